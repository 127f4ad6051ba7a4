package dev.portcullis.auth.config;

import dev.portcullis.contract.TokenLifetime;
import dev.portcullis.redis.RedisConnections;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.util.unit.DataSize;

/**
 * Everything the auth service can be told, under {@code portcullis.auth}. Defaults live here, in one place; each
 * compact constructor rejects a wrong value with the name of its key, so that a bad configuration stops the start-up.
 *
 * @param issuer               {@code iss} of every token: the public URL, tokens are obtained through the gateway
 * @param audience             {@code aud} of user access tokens
 * @param userClientId         {@code client_id} claim of user access tokens (the first-party web/mobile client)
 * @param userScope            {@code scope} claim of user access tokens
 * @param accessTokenLifetime  lifetime of a user access token
 * @param maxTokenLifetime     the longest access-token lifetime the gateway accepts ({@code exp - iat}); no
 *                             access-token or client-token lifetime may exceed it. Both sides read it from
 *                             {@link TokenLifetime#ENVIRONMENT_VARIABLE} (default {@link TokenLifetime#DEFAULT_MAX})
 * @param clockSkew            tolerance for {@code exp}/{@code nbf}, also added to revocation TTLs
 * @param maxRequestSize       bound of a request body; above it the answer is 413
 * @param trustedProxies       CIDRs whose {@code X-Forwarded-For} is believed when computing the client IP
 */
@ConfigurationProperties("portcullis.auth")
public record AuthProperties(
        String issuer,
        String audience,
        String userClientId,
        String userScope,
        Duration accessTokenLifetime,
        Duration maxTokenLifetime,
        Duration clockSkew,
        DataSize maxRequestSize,
        List<String> trustedProxies,
        Redis redis,
        Keys keys,
        Refresh refresh,
        Passwords passwords,
        Users users,
        Mfa mfa,
        Limits limits,
        List<Client> clients) {

    public AuthProperties {
        issuer = orDefault(issuer, "http://localhost:8080");
        requireHttpUrl("portcullis.auth.issuer", issuer);
        audience = orDefault(audience, "portcullis");
        userClientId = orDefault(userClientId, "portcullis-web");
        userScope = orDefault(userScope, "openid");
        accessTokenLifetime = positive("portcullis.auth.access-token-lifetime", accessTokenLifetime, Duration.ofMinutes(15));
        maxTokenLifetime = positive("portcullis.auth.max-token-lifetime", maxTokenLifetime,
                DurationStyle.detectAndParse(TokenLifetime.DEFAULT_MAX));
        clockSkew = notNegative("portcullis.auth.clock-skew", clockSkew, Duration.ofSeconds(30));
        maxRequestSize = maxRequestSize == null ? DataSize.ofKilobytes(16) : maxRequestSize;
        if (maxRequestSize.toBytes() < 1024) {
            throw new IllegalArgumentException("portcullis.auth.max-request-size must be at least 1KB");
        }
        trustedProxies = trustedProxies == null ? List.of("127.0.0.0/8", "::1/128") : List.copyOf(trustedProxies);
        redis = redis == null ? new Redis(null, null, null, null, null, null, null, null) : redis;
        keys = keys == null ? new Keys(null, null, null, null, null, null, null, null) : keys;
        refresh = refresh == null ? new Refresh(null, null, null, null, null) : refresh;
        passwords = passwords == null ? new Passwords(null) : passwords;
        users = users == null ? new Users(null) : users;
        mfa = mfa == null ? new Mfa(null, null, null, null, null, null, null) : mfa;
        limits = limits == null ? new Limits(null, null, null, null, null, null, null) : limits;
        clients = clients == null ? List.of() : List.copyOf(clients);
        // A token living longer than the gateway's bound would be refused there, and would outlive the revoke-all
        // markers the gateway keeps for that bound: refuse such a configuration here rather than issue such tokens.
        notAbove("portcullis.auth.access-token-lifetime", accessTokenLifetime, maxTokenLifetime);
        for (Client client : clients) {
            notAbove("portcullis.auth.clients[" + client.clientId() + "].token-lifetime", client.tokenLifetime(),
                    maxTokenLifetime);
        }
        if (keys.publishAhead().compareTo(keys.reloadInterval()) <= 0) {
            throw new IllegalArgumentException("portcullis.auth.keys.publish-ahead must be longer than "
                    + "portcullis.auth.keys.reload-interval, or another replica could sign with a key this one does not publish");
        }
    }

    /** The longest lifetime of any access token this service issues: how long a retired key stays published. */
    public Duration maxAccessTokenLifetime() {
        return clients.stream().map(Client::tokenLifetime).reduce(accessTokenLifetime, (a, b) -> a.compareTo(b) >= 0 ? a : b);
    }

    /** The origin of the issuer URL, e.g. {@code http://localhost:8080}. */
    public String issuerOrigin() {
        URI uri = URI.create(issuer);
        return uri.getScheme() + "://" + uri.getRawAuthority();
    }

    /**
     * @param url                        {@code REDIS_URL}: single node, sentinel or comma-separated cluster seeds
     * @param commandTimeout             upper bound of each Redis command
     * @param connectTimeout             upper bound of opening a connection
     * @param topologyRefreshPeriod      Cluster: the topology is re-read this often whatever happens (the back-stop)
     * @param adaptiveRefreshMinInterval Cluster: least time between two refreshes triggered by redirects or failing
     *                                   reconnects
     * @param reconnectDelayMax          reconnect attempts back off up to this
     * @param revocationReplicas         a revocation is confirmed only once this many of its master's replicas hold it
     *                                   (fewer when fewer are connected; 0 = the master alone), so that no fail-over
     *                                   can lose a revocation the client was told had succeeded
     * @param revocationReplicaTimeout   how long a revocation waits for them before the client gets a retryable 503
     */
    public record Redis(String url, Duration commandTimeout, Duration connectTimeout, Duration topologyRefreshPeriod,
                        Duration adaptiveRefreshMinInterval, Duration reconnectDelayMax, Integer revocationReplicas,
                        Duration revocationReplicaTimeout) {
        public Redis {
            url = orDefault(url, "redis://localhost:6379");
            commandTimeout = positive("portcullis.auth.redis.command-timeout", commandTimeout, Duration.ofSeconds(2));
            connectTimeout = positive("portcullis.auth.redis.connect-timeout", connectTimeout, Duration.ofSeconds(5));
            topologyRefreshPeriod = positive("portcullis.auth.redis.topology-refresh-period", topologyRefreshPeriod,
                    RedisConnections.Settings.DEFAULT_TOPOLOGY_REFRESH_PERIOD);
            adaptiveRefreshMinInterval = positive("portcullis.auth.redis.adaptive-refresh-min-interval",
                    adaptiveRefreshMinInterval, RedisConnections.Settings.DEFAULT_ADAPTIVE_REFRESH_MIN_INTERVAL);
            reconnectDelayMax = positive("portcullis.auth.redis.reconnect-delay-max", reconnectDelayMax,
                    RedisConnections.Settings.DEFAULT_RECONNECT_DELAY_MAX);
            revocationReplicas = revocationReplicas == null ? 1 : revocationReplicas;
            if (revocationReplicas < 0) {
                throw new IllegalArgumentException("portcullis.auth.redis.revocation-replicas must not be negative");
            }
            revocationReplicaTimeout = positive("portcullis.auth.redis.revocation-replica-timeout",
                    revocationReplicaTimeout, Duration.ofMillis(500));
        }

        /** What {@link RedisConnections} takes. */
        public RedisConnections.Settings settings() {
            return new RedisConnections.Settings(commandTimeout, connectTimeout, topologyRefreshPeriod,
                    adaptiveRefreshMinInterval, reconnectDelayMax);
        }
    }

    /**
     * @param dir            directory of {@code signing-keys.json}, shared by every replica
     * @param generate       create the key set on first start when it is missing (local profile)
     * @param algorithm      algorithm of generated keys: RS256 or ES256
     * @param rsaKeySize     size of generated RSA keys, at least 2048
     * @param publishAhead   how long a new key is published before it signs
     * @param rotationPeriod rotate automatically when the newest key is this old; 0 turns it off
     * @param reloadInterval how often the key file is re-read, to see other replicas' rotations
     * @param jwksMaxAge     {@code Cache-Control: max-age} of the JWKS response
     */
    public record Keys(String dir, Boolean generate, String algorithm, Integer rsaKeySize, Duration publishAhead,
                       Duration rotationPeriod, Duration reloadInterval, Duration jwksMaxAge) {
        public Keys {
            dir = orDefault(dir, ".local-stack/keys");
            generate = generate != null && generate;
            algorithm = orDefault(algorithm, "RS256").toUpperCase(Locale.ROOT);
            if (!Set.of("RS256", "ES256").contains(algorithm)) {
                throw new IllegalArgumentException("portcullis.auth.keys.algorithm must be RS256 or ES256, was " + algorithm);
            }
            rsaKeySize = rsaKeySize == null ? 2048 : rsaKeySize;
            if (rsaKeySize < 2048) {
                throw new IllegalArgumentException("portcullis.auth.keys.rsa-key-size must be at least 2048");
            }
            publishAhead = notNegative("portcullis.auth.keys.publish-ahead", publishAhead, Duration.ofMinutes(10));
            rotationPeriod = notNegative("portcullis.auth.keys.rotation-period", rotationPeriod, Duration.ZERO);
            reloadInterval = positive("portcullis.auth.keys.reload-interval", reloadInterval, Duration.ofSeconds(30));
            jwksMaxAge = notNegative("portcullis.auth.keys.jwks-max-age", jwksMaxAge, Duration.ofMinutes(5));
        }
    }

    /**
     * @param lifetime         sliding lifetime of a refresh token (and its cookie's Max-Age): a family unused this long ends
     * @param absoluteLifetime a family (a login's chain of refresh tokens) ends this long after the login however
     *                         recently it was used: a stolen token kept alive by refreshing dies with it
     * @param reuseGrace       a rotated token presented again within this time is refused without revoking its family
     *                         (two tabs racing); later it counts as reuse and the family dies
     * @param allowedOrigins   {@code Origin} values accepted on the cookie flow; empty = the issuer's origin
     * @param cookieName       name of the refresh cookie
     */
    public record Refresh(Duration lifetime, Duration absoluteLifetime, Duration reuseGrace, List<String> allowedOrigins,
                          String cookieName) {
        public Refresh {
            lifetime = positive("portcullis.auth.refresh.lifetime", lifetime, Duration.ofDays(7));
            absoluteLifetime = positive("portcullis.auth.refresh.absolute-lifetime", absoluteLifetime, Duration.ofDays(30));
            if (absoluteLifetime.compareTo(lifetime) < 0) {
                throw new IllegalArgumentException("portcullis.auth.refresh.absolute-lifetime (" + absoluteLifetime
                        + ") must not be shorter than portcullis.auth.refresh.lifetime (" + lifetime + ")");
            }
            reuseGrace = notNegative("portcullis.auth.refresh.reuse-grace", reuseGrace, Duration.ofSeconds(2));
            allowedOrigins = allowedOrigins == null ? List.of() : List.copyOf(allowedOrigins);
            cookieName = orDefault(cookieName, "refresh_token");
        }
    }

    /** @param bcryptCost BCrypt work factor of new hashes; OWASP asks for at least 10, the default is 12 */
    public record Passwords(Integer bcryptCost) {
        public Passwords {
            bcryptCost = bcryptCost == null ? 12 : bcryptCost;
            if (bcryptCost < 4 || bcryptCost > 31) {
                throw new IllegalArgumentException("portcullis.auth.passwords.bcrypt-cost must be between 4 and 31");
            }
        }
    }

    /** @param bootstrapFile YAML file of users created at start-up when absent (Spring resource location) */
    public record Users(String bootstrapFile) {
        public Users {
            bootstrapFile = bootstrapFile == null || bootstrapFile.isBlank() ? null : bootstrapFile;
        }
    }

    /**
     * @param encryptionKey         AES-256 key (base64, 32 bytes) that encrypts TOTP secrets at rest
     * @param generateEncryptionKey create the key in the keys directory when none is configured (local profile)
     * @param issuerLabel           issuer shown by authenticator apps
     * @param maxFailures           failed codes before verification is locked
     * @param lockout               first lock-out; it doubles with every further failure
     * @param maxLockout            cap of the lock-out
     * @param enrolmentLifetime     how long a started enrolment waits for its first good code; until then only the
     *                              token that started it may start it again
     */
    public record Mfa(String encryptionKey, Boolean generateEncryptionKey, String issuerLabel, Integer maxFailures,
                      Duration lockout, Duration maxLockout, Duration enrolmentLifetime) {
        public Mfa {
            encryptionKey = encryptionKey == null || encryptionKey.isBlank() ? null : encryptionKey.trim();
            generateEncryptionKey = generateEncryptionKey != null && generateEncryptionKey;
            issuerLabel = orDefault(issuerLabel, "Portcullis");
            maxFailures = atLeastOne("portcullis.auth.mfa.max-failures", maxFailures, 5);
            lockout = positive("portcullis.auth.mfa.lockout", lockout, Duration.ofSeconds(30));
            maxLockout = positive("portcullis.auth.mfa.max-lockout", maxLockout, Duration.ofMinutes(5));
            enrolmentLifetime = positive("portcullis.auth.mfa.enrolment-lifetime", enrolmentLifetime, Duration.ofMinutes(10));
        }
    }

    /**
     * Abuse limits.
     *
     * @param ipAttempts         attempts (login, MFA, client credentials) per client IP per {@code ipWindow}
     * @param ipWindow           window of the per-IP counter
     * @param accountFailures    failed logins of one account from one IP before it is locked for that IP
     * @param failureWindow      failures older than this are forgotten
     * @param lockout            first lock-out; doubles with every further failure
     * @param maxLockout         cap of the lock-out: an attacker can never lock a victim out for longer
     * @param tokenEndpointAttempts client-credentials attempts per IP per {@code ipWindow}
     */
    public record Limits(Integer ipAttempts, Duration ipWindow, Integer accountFailures, Duration failureWindow,
                         Duration lockout, Duration maxLockout, Integer tokenEndpointAttempts) {
        public Limits {
            ipAttempts = atLeastOne("portcullis.auth.limits.ip-attempts", ipAttempts, 30);
            ipWindow = positive("portcullis.auth.limits.ip-window", ipWindow, Duration.ofMinutes(1));
            accountFailures = atLeastOne("portcullis.auth.limits.account-failures", accountFailures, 5);
            failureWindow = positive("portcullis.auth.limits.failure-window", failureWindow, Duration.ofMinutes(15));
            lockout = positive("portcullis.auth.limits.lockout", lockout, Duration.ofSeconds(30));
            maxLockout = positive("portcullis.auth.limits.max-lockout", maxLockout, Duration.ofMinutes(5));
            tokenEndpointAttempts = atLeastOne("portcullis.auth.limits.token-endpoint-attempts", tokenEndpointAttempts, 60);
        }
    }

    /**
     * A service allowed to obtain tokens with {@code client_credentials}.
     *
     * @param clientId      its id, also the {@code sub} of its tokens
     * @param secretHash    BCrypt hash of its secret (never the secret itself)
     * @param scopes        scopes it may ask for
     * @param audiences     audiences it may ask for; the first is the default
     * @param tokenLifetime lifetime of its tokens
     */
    public record Client(String clientId, String secretHash, List<String> scopes, List<String> audiences,
                         Duration tokenLifetime) {
        public Client {
            if (clientId == null || clientId.isBlank()) {
                throw new IllegalArgumentException("portcullis.auth.clients[].client-id is required");
            }
            if (secretHash == null || !secretHash.matches("^\\$2[aby]?\\$\\d\\d\\$.{53}$")) {
                throw new IllegalArgumentException("portcullis.auth.clients[" + clientId + "].secret-hash must be a BCrypt hash");
            }
            scopes = scopes == null ? List.of() : List.copyOf(scopes);
            if (audiences == null || audiences.isEmpty()) {
                throw new IllegalArgumentException("portcullis.auth.clients[" + clientId + "].audiences needs at least one audience");
            }
            audiences = List.copyOf(audiences);
            tokenLifetime = positive("portcullis.auth.clients[" + clientId + "].token-lifetime", tokenLifetime, Duration.ofMinutes(5));
        }
    }

    private static String orDefault(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value.trim();
    }

    private static Duration positive(String key, Duration value, Duration fallback) {
        Duration result = value == null ? fallback : value;
        if (result.isNegative() || result.isZero()) {
            throw new IllegalArgumentException(key + " must be positive, was " + result);
        }
        return result;
    }

    private static void notAbove(String key, Duration lifetime, Duration max) {
        if (lifetime.compareTo(max) > 0) {
            throw new IllegalArgumentException(key + " (" + lifetime + ") must not exceed portcullis.auth.max-token-lifetime ("
                    + max + ", environment " + TokenLifetime.ENVIRONMENT_VARIABLE
                    + "), the longest token lifetime the gateway accepts");
        }
    }

    private static Duration notNegative(String key, Duration value, Duration fallback) {
        Duration result = value == null ? fallback : value;
        if (result.isNegative()) {
            throw new IllegalArgumentException(key + " must not be negative, was " + result);
        }
        return result;
    }

    private static int atLeastOne(String key, Integer value, int fallback) {
        int result = value == null ? fallback : value;
        if (result < 1) {
            throw new IllegalArgumentException(key + " must be at least 1, was " + result);
        }
        return result;
    }

    private static void requireHttpUrl(String key, String value) {
        try {
            URI uri = URI.create(value);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new IllegalArgumentException(key + " must be an http(s) URL, was " + value);
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + " must be an http(s) URL, was " + value, e);
        }
    }
}
