package dev.portcullis.auth.config;

import dev.portcullis.contract.TokenLifetime;
import dev.portcullis.redis.RedisConnections;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Everything the auth service can be told, under {@code portcullis.auth}. Defaults live here, in one place (the
 * {@code @DefaultValue}s, which the configuration processor also writes into the metadata IDEs read). Presence and
 * simple bounds are Jakarta constraints, checked at binding ({@code @Validated}); each compact constructor rejects what
 * they cannot express (durations, values tied to other keys, the security floors) with the name of its key. Either
 * way a wrong value stops the start-up and names its key. The constructors let a missing (null) value through:
 * binding always supplies the default, and {@code @NotNull} reports one that was explicitly emptied.
 *
 * @param issuer              iss of every token: the public URL, tokens are obtained through the gateway (AUTH_ISSUER)
 * @param audience            aud of user access tokens (AUTH_AUDIENCE)
 * @param userClientId        client_id claim of user access tokens (the first-party web/mobile client)
 * @param userScope           scope claim of user access tokens
 * @param accessTokenLifetime lifetime of a user access token; at most max-token-lifetime
 * @param maxTokenLifetime    the longest access-token lifetime the gateway accepts (exp - iat); no access-token or
 *                            client-token lifetime may exceed it. Both sides read it from AUTH_MAX_TOKEN_LIFETIME
 *                            (TokenLifetime in contract/)
 * @param clockSkew           tolerance for exp and nbf, also added to revocation TTLs
 * @param maxRequestSize      bound of a request body (at least 1KB); above it the answer is 413
 * @param trustedProxies      CIDRs whose X-Forwarded-For is believed when computing the client IP: the gateway's
 *                            addresses (AUTH_TRUSTED_PROXIES)
 * @param redis               the Redis holding users, refresh tokens, revocations and limits
 * @param keys                signing keys and their rotation
 * @param refresh             refresh tokens and their cookie
 * @param passwords           password hashing
 * @param users               users created at start-up
 * @param mfa                 TOTP step-up
 * @param limits              abuse limits of logins, TOTP codes and client secrets
 * @param clients             services allowed to obtain tokens with client_credentials
 */
@Validated
@ConfigurationProperties("portcullis.auth")
public record AuthProperties(
        @DefaultValue("http://localhost:8080") @NotBlank String issuer,
        @DefaultValue("portcullis") @NotBlank String audience,
        @DefaultValue("portcullis-web") @NotBlank String userClientId,
        @DefaultValue("openid") @NotBlank String userScope,
        @DefaultValue("15m") @NotNull Duration accessTokenLifetime,
        @DefaultValue(TokenLifetime.DEFAULT_MAX) @NotNull Duration maxTokenLifetime,
        @DefaultValue("30s") @NotNull Duration clockSkew,
        @DefaultValue("16KB") @NotNull DataSize maxRequestSize,
        @DefaultValue({"127.0.0.0/8", "::1/128"}) @NotNull List<String> trustedProxies,
        @DefaultValue @Valid @NotNull Redis redis,
        @DefaultValue @Valid @NotNull Keys keys,
        @DefaultValue @Valid @NotNull Refresh refresh,
        @DefaultValue @Valid @NotNull Passwords passwords,
        @DefaultValue @Valid @NotNull Users users,
        @DefaultValue @Valid @NotNull Mfa mfa,
        @DefaultValue @Valid @NotNull Limits limits,
        @DefaultValue @Valid @NotNull List<Client> clients) {

    public AuthProperties {
        issuer = trimmed(issuer);
        if (issuer != null) {
            requireHttpUrl("portcullis.auth.issuer", issuer);
        }
        audience = trimmed(audience);
        userClientId = trimmed(userClientId);
        userScope = trimmed(userScope);
        positive("portcullis.auth.access-token-lifetime", accessTokenLifetime);
        positive("portcullis.auth.max-token-lifetime", maxTokenLifetime);
        notNegative("portcullis.auth.clock-skew", clockSkew);
        if (maxRequestSize != null && maxRequestSize.toBytes() < 1024) {
            throw new IllegalArgumentException("portcullis.auth.max-request-size must be at least 1KB, was " + maxRequestSize);
        }
        trustedProxies = trustedProxies == null ? null : List.copyOf(trustedProxies);
        clients = clients == null ? null : List.copyOf(clients);
        // A token living longer than the gateway's bound would be refused there, and would outlive the revoke-all
        // markers the gateway keeps for that bound: refuse such a configuration here rather than issue such tokens.
        if (maxTokenLifetime != null) {
            notAbove("portcullis.auth.access-token-lifetime", accessTokenLifetime, maxTokenLifetime);
            for (Client client : clients == null ? List.<Client>of() : clients) {
                notAbove("portcullis.auth.clients[" + client.clientId() + "].token-lifetime", client.tokenLifetime(),
                        maxTokenLifetime);
            }
        }
        if (keys != null && keys.publishAhead() != null && keys.reloadInterval() != null
                && keys.publishAhead().compareTo(keys.reloadInterval()) <= 0) {
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
     * The Redis this service keeps its state in ({@code portcullis.auth.redis.*}).
     *
     * @param url                        REDIS_URL: single node, redis-sentinel://…#master, or comma-separated cluster
     *                                   seeds
     * @param commandTimeout             upper bound of each Redis command
     * @param connectTimeout             upper bound of opening a connection
     * @param topologyRefreshPeriod      Cluster: the topology is re-read this often whatever happens (the back-stop)
     * @param adaptiveRefreshMinInterval Cluster: least time between two refreshes triggered by redirects or failing
     *                                   reconnects
     * @param reconnectDelayMax          reconnect attempts back off up to this (Lettuce's own default is 30 s)
     * @param revocationReplicas         a revocation is confirmed only once this many of its master's replicas hold it
     *                                   (fewer when fewer are connected; 0 = the master alone), so that no fail-over
     *                                   can lose a revocation the client was told had succeeded
     * @param revocationReplicaTimeout   how long a revocation waits for them before the client gets a retryable 503
     */
    public record Redis(
            @DefaultValue("redis://localhost:6379") @NotBlank String url,
            @DefaultValue("2s") @NotNull Duration commandTimeout,
            @DefaultValue("5s") @NotNull Duration connectTimeout,
            @DefaultValue("5s") @NotNull Duration topologyRefreshPeriod,
            @DefaultValue("250ms") @NotNull Duration adaptiveRefreshMinInterval,
            @DefaultValue("250ms") @NotNull Duration reconnectDelayMax,
            @DefaultValue("1") @NotNull
            @Min(value = 0, message = "portcullis.auth.redis.revocation-replicas must not be negative")
            Integer revocationReplicas,
            @DefaultValue("500ms") @NotNull Duration revocationReplicaTimeout) {

        public Redis {
            url = trimmed(url);
            positive("portcullis.auth.redis.command-timeout", commandTimeout);
            positive("portcullis.auth.redis.connect-timeout", connectTimeout);
            positive("portcullis.auth.redis.topology-refresh-period", topologyRefreshPeriod);
            positive("portcullis.auth.redis.adaptive-refresh-min-interval", adaptiveRefreshMinInterval);
            positive("portcullis.auth.redis.reconnect-delay-max", reconnectDelayMax);
            positive("portcullis.auth.redis.revocation-replica-timeout", revocationReplicaTimeout);
        }

        /** What {@link RedisConnections} takes. */
        public RedisConnections.Settings settings() {
            return new RedisConnections.Settings(commandTimeout, connectTimeout, topologyRefreshPeriod,
                    adaptiveRefreshMinInterval, reconnectDelayMax);
        }
    }

    /**
     * Signing keys ({@code portcullis.auth.keys.*}).
     *
     * @param dir            directory of signing-keys.json, shared by every replica (AUTH_KEYS_DIR)
     * @param generate       create the key set on first start when it is missing (true in the local profile)
     * @param algorithm      algorithm of generated keys: RS256 or ES256
     * @param rsaKeySize     size of generated RSA keys, at least 2048
     * @param publishAhead   how long a new key is published before it signs; longer than reload-interval
     * @param rotationPeriod rotate automatically when the newest key is this old; 0 turns it off
     * @param reloadInterval how often the key file is re-read, to see other replicas' rotations
     * @param jwksMaxAge     Cache-Control max-age of the JWKS and discovery responses
     */
    public record Keys(
            @DefaultValue(".local-stack/keys") @NotBlank String dir,
            @DefaultValue("false") @NotNull Boolean generate,
            @DefaultValue("RS256") @NotBlank String algorithm,
            @DefaultValue("2048") @NotNull Integer rsaKeySize,
            @DefaultValue("10m") @NotNull Duration publishAhead,
            @DefaultValue("0s") @NotNull Duration rotationPeriod,
            @DefaultValue("30s") @NotNull Duration reloadInterval,
            @DefaultValue("5m") @NotNull Duration jwksMaxAge) {

        public Keys {
            dir = trimmed(dir);
            algorithm = algorithm == null ? null : algorithm.trim().toUpperCase(Locale.ROOT);
            if (algorithm != null && !Set.of("RS256", "ES256").contains(algorithm)) {
                throw new IllegalArgumentException("portcullis.auth.keys.algorithm must be RS256 or ES256, was " + algorithm);
            }
            // checked here rather than with @Min, so that no instance, bound or built in code, can hold a weaker size
            if (rsaKeySize != null && rsaKeySize < 2048) {
                throw new IllegalArgumentException("portcullis.auth.keys.rsa-key-size must be at least 2048, was " + rsaKeySize);
            }
            notNegative("portcullis.auth.keys.publish-ahead", publishAhead);
            notNegative("portcullis.auth.keys.rotation-period", rotationPeriod);
            positive("portcullis.auth.keys.reload-interval", reloadInterval);
            notNegative("portcullis.auth.keys.jwks-max-age", jwksMaxAge);
        }
    }

    /**
     * Refresh tokens ({@code portcullis.auth.refresh.*}).
     *
     * @param lifetime         sliding lifetime of a refresh token (and its cookie's Max-Age): a family unused this long
     *                         ends
     * @param absoluteLifetime a family (a login's chain of refresh tokens) ends this long after the login however
     *                         recently it was used: a stolen token kept alive by refreshing dies with it; at least
     *                         lifetime
     * @param reuseGrace       a rotated token presented again within this time is refused without revoking its family
     *                         (two tabs racing); later it counts as reuse and the family dies
     * @param allowedOrigins   Origin values accepted on the cookie flow; empty = the issuer's origin
     * @param cookieName       name of the refresh cookie
     */
    public record Refresh(
            @DefaultValue("7d") @NotNull Duration lifetime,
            @DefaultValue("30d") @NotNull Duration absoluteLifetime,
            @DefaultValue("2s") @NotNull Duration reuseGrace,
            @DefaultValue @NotNull List<String> allowedOrigins,
            @DefaultValue("refresh_token") @NotBlank String cookieName) {

        public Refresh {
            positive("portcullis.auth.refresh.lifetime", lifetime);
            positive("portcullis.auth.refresh.absolute-lifetime", absoluteLifetime);
            if (lifetime != null && absoluteLifetime != null && absoluteLifetime.compareTo(lifetime) < 0) {
                throw new IllegalArgumentException("portcullis.auth.refresh.absolute-lifetime (" + absoluteLifetime
                        + ") must not be shorter than portcullis.auth.refresh.lifetime (" + lifetime + ")");
            }
            notNegative("portcullis.auth.refresh.reuse-grace", reuseGrace);
            allowedOrigins = allowedOrigins == null ? null : List.copyOf(allowedOrigins);
            cookieName = trimmed(cookieName);
        }
    }

    /**
     * Password hashing ({@code portcullis.auth.passwords.*}).
     *
     * @param bcryptCost BCrypt work factor of new hashes (4 to 31); OWASP asks for at least 10, the default is 12
     */
    public record Passwords(@DefaultValue("12") @NotNull Integer bcryptCost) {
        public Passwords {
            // checked here rather than with @Min/@Max, so that no instance, bound or built in code, can hold a weaker cost
            if (bcryptCost != null && (bcryptCost < 4 || bcryptCost > 31)) {
                throw new IllegalArgumentException("portcullis.auth.passwords.bcrypt-cost must be between 4 and 31, was "
                        + bcryptCost);
            }
        }
    }

    /**
     * Users created at start-up ({@code portcullis.auth.users.*}).
     *
     * @param bootstrapFile YAML file of users created at start-up when absent (Spring resource location,
     *                      AUTH_USERS_FILE); none by default, classpath:bootstrap/local-users.yml in the local profile
     */
    public record Users(String bootstrapFile) {
        public Users {
            // empty means none: application.yml maps an unset AUTH_USERS_FILE to ""
            bootstrapFile = bootstrapFile == null || bootstrapFile.isBlank() ? null : bootstrapFile.trim();
        }
    }

    /**
     * TOTP step-up ({@code portcullis.auth.mfa.*}).
     *
     * @param encryptionKey         AES-256 key (base64, 32 bytes) that encrypts TOTP secrets at rest
     *                              (AUTH_MFA_ENCRYPTION_KEY); required unless generate-encryption-key is set
     * @param generateEncryptionKey create the key in the keys directory when none is configured (true in the local
     *                              profile)
     * @param issuerLabel           issuer shown by authenticator apps
     * @param maxFailures           failed codes before verification is locked
     * @param lockout               first lock-out; it doubles with every further failure
     * @param maxLockout            cap of the lock-out
     * @param enrolmentLifetime     how long a started enrolment waits for its first good code; until then only the
     *                              token that started it may start it again
     */
    public record Mfa(
            String encryptionKey,
            @DefaultValue("false") @NotNull Boolean generateEncryptionKey,
            @DefaultValue("Portcullis") @NotBlank String issuerLabel,
            @DefaultValue("5") @NotNull
            @Min(value = 1, message = "portcullis.auth.mfa.max-failures must be at least 1")
            Integer maxFailures,
            @DefaultValue("30s") @NotNull Duration lockout,
            @DefaultValue("5m") @NotNull Duration maxLockout,
            @DefaultValue("10m") @NotNull Duration enrolmentLifetime) {

        public Mfa {
            // empty means none: application.yml maps an unset AUTH_MFA_ENCRYPTION_KEY to ""
            encryptionKey = encryptionKey == null || encryptionKey.isBlank() ? null : encryptionKey.trim();
            issuerLabel = trimmed(issuerLabel);
            positive("portcullis.auth.mfa.lockout", lockout);
            positive("portcullis.auth.mfa.max-lockout", maxLockout);
            positive("portcullis.auth.mfa.enrolment-lifetime", enrolmentLifetime);
        }
    }

    /**
     * Abuse limits ({@code portcullis.auth.limits.*}).
     *
     * @param ipAttempts            attempts (login, MFA, client credentials) per client IP per ip-window
     * @param ipWindow              window of the per-IP counters
     * @param accountFailures       failed logins of one account (or client) from one IP before it is locked for that IP
     * @param failureWindow         failures older than this are forgotten
     * @param lockout               first lock-out; doubles with every further failure
     * @param maxLockout            cap of the lock-out: an attacker can never lock a victim out for longer
     * @param tokenEndpointAttempts client-credentials attempts per IP per ip-window
     */
    public record Limits(
            @DefaultValue("30") @NotNull
            @Min(value = 1, message = "portcullis.auth.limits.ip-attempts must be at least 1")
            Integer ipAttempts,
            @DefaultValue("1m") @NotNull Duration ipWindow,
            @DefaultValue("5") @NotNull
            @Min(value = 1, message = "portcullis.auth.limits.account-failures must be at least 1")
            Integer accountFailures,
            @DefaultValue("15m") @NotNull Duration failureWindow,
            @DefaultValue("30s") @NotNull Duration lockout,
            @DefaultValue("5m") @NotNull Duration maxLockout,
            @DefaultValue("60") @NotNull
            @Min(value = 1, message = "portcullis.auth.limits.token-endpoint-attempts must be at least 1")
            Integer tokenEndpointAttempts) {

        public Limits {
            positive("portcullis.auth.limits.ip-window", ipWindow);
            positive("portcullis.auth.limits.failure-window", failureWindow);
            positive("portcullis.auth.limits.lockout", lockout);
            positive("portcullis.auth.limits.max-lockout", maxLockout);
        }
    }

    /**
     * A service allowed to obtain tokens with client_credentials ({@code portcullis.auth.clients[]}).
     *
     * @param clientId      its id, also the sub of its tokens
     * @param secretHash    BCrypt hash of its secret (never the secret itself)
     * @param scopes        scopes it may ask for
     * @param audiences     audiences it may ask for, at least one; the first is the default
     * @param tokenLifetime lifetime of its tokens; at most max-token-lifetime
     */
    public record Client(
            String clientId,
            String secretHash,
            @DefaultValue @NotNull List<String> scopes,
            List<String> audiences,
            @DefaultValue("5m") @NotNull Duration tokenLifetime) {

        public Client {
            // constructor checks rather than constraints: the messages name the client the operator has to fix
            if (clientId == null || clientId.isBlank()) {
                throw new IllegalArgumentException("portcullis.auth.clients[].client-id is required");
            }
            if (secretHash == null || !secretHash.matches("^\\$2[aby]?\\$\\d\\d\\$.{53}$")) {
                throw new IllegalArgumentException("portcullis.auth.clients[" + clientId + "].secret-hash must be a BCrypt hash");
            }
            scopes = scopes == null ? null : List.copyOf(scopes);
            if (audiences == null || audiences.isEmpty()) {
                throw new IllegalArgumentException("portcullis.auth.clients[" + clientId + "].audiences needs at least one audience");
            }
            audiences = List.copyOf(audiences);
            positive("portcullis.auth.clients[" + clientId + "].token-lifetime", tokenLifetime);
        }
    }

    private static String trimmed(String value) {
        return value == null ? null : value.trim();
    }

    private static void positive(String key, Duration value) {
        if (value != null && (value.isNegative() || value.isZero())) {
            throw new IllegalArgumentException(key + " must be positive, was " + value);
        }
    }

    private static void notNegative(String key, Duration value) {
        if (value != null && value.isNegative()) {
            throw new IllegalArgumentException(key + " must not be negative, was " + value);
        }
    }

    private static void notAbove(String key, Duration lifetime, Duration max) {
        if (lifetime != null && lifetime.compareTo(max) > 0) {
            throw new IllegalArgumentException(key + " (" + lifetime + ") must not exceed portcullis.auth.max-token-lifetime ("
                    + max + ", environment " + TokenLifetime.ENVIRONMENT_VARIABLE
                    + "), the longest token lifetime the gateway accepts");
        }
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
