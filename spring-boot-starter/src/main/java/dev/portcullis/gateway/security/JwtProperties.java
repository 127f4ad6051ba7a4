package dev.portcullis.gateway.security;

import com.nimbusds.jose.JWSAlgorithm;
import dev.portcullis.contract.TokenLifetime;
import dev.portcullis.gateway.keys.JwksKeyStore;
import dev.portcullis.gateway.keys.JwksProperties;
import dev.portcullis.gateway.token.VerifiedToken;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.validation.annotation.Validated;

/**
 * The trust anchors: which issuers' tokens are accepted, where their keys come from and what a token must say
 * ({@code portcullis.jwt.*}).
 *
 * <p>The top-level {@code issuer}, {@code jwks-uri}, {@code audiences}, {@code algorithms}, {@code clock-skew} and
 * {@code max-token-lifetime} describe the default issuer, Portcullis' own auth service, under the id
 * {@value #DEFAULT_ISSUER_ID} ({@code AUTH_ISSUER}, {@code AUTH_JWKS_URI}, {@code AUTH_AUDIENCE}); leave
 * {@code issuer} empty to trust only the issuers of the {@code issuers} map. Each entry of {@code issuers} is another
 * identity provider (Keycloak, Entra ID, Auth0, Spring Authorization Server, ...) with its own keys and claim mapping.
 *
 * @param jwksUri          the default issuer's JWKS ({@code AUTH_JWKS_URI}); its keys verify its tokens and nobody else's
 * @param issuer           the exact {@code iss} of the default issuer ({@code AUTH_ISSUER}); empty: no default issuer
 * @param audiences        {@code aud} must contain one of these ({@code AUTH_AUDIENCE}; default issuer)
 * @param algorithms       the default issuer's allow-list of JWS algorithms; HMAC and {@code none} can never be listed
 * @param clockSkew        tolerance for {@code exp}, {@code nbf} and {@code iat} (default issuer)
 * @param maxTokenLength   longer tokens are refused before any parsing
 * @param maxTokenLifetime the default issuer's tokens whose {@code exp - iat} is longer are refused
 *                         ({@code AUTH_MAX_TOKEN_LIFETIME}, the same variable the auth service reads)
 * @param jwks             key-set fetching, for every issuer
 * @param cache            cache of verified tokens
 * @param failureBudget    per-client-IP budget of failed verifications, spent before any signature is checked
 * @param issuers          further trusted issuers by id (lower-case letters, digits and dashes)
 */
@Validated
@ConfigurationProperties("portcullis.jwt")
public record JwtProperties(
        URI jwksUri,
        String issuer,
        @DefaultValue Set<String> audiences,
        @DefaultValue("RS256") Set<String> algorithms,
        @DefaultValue("30s") Duration clockSkew,
        @DefaultValue("8192") int maxTokenLength,
        @DefaultValue(TokenLifetime.DEFAULT_MAX) Duration maxTokenLifetime,
        @DefaultValue @Valid @NotNull @NestedConfigurationProperty JwksProperties jwks,
        @DefaultValue @Valid @NotNull Cache cache,
        @DefaultValue @Valid @NotNull FailureBudget failureBudget,
        @DefaultValue Map<String, Issuer> issuers) {

    /** The id of the default issuer (Portcullis' auth service): its revocation keys carry no namespace. */
    public static final String DEFAULT_ISSUER_ID = VerifiedToken.DEFAULT_ISSUER_ID;
    private static final String PREFIX = "portcullis.jwt";
    private static final Pattern ISSUER_ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    /** Algorithms Portcullis can verify; HMAC is absent on purpose: a shared secret does not belong at the edge. */
    static final Set<JWSAlgorithm> SUPPORTED = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
            JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256, JWSAlgorithm.ES384);

    public JwtProperties {
        audiences = audiences == null ? Set.of() : Set.copyOf(audiences);
        algorithms = algorithms == null ? Set.of("RS256") : Set.copyOf(algorithms);
        clockSkew = clockSkew == null ? Duration.ofSeconds(30) : clockSkew;
        maxTokenLifetime = maxTokenLifetime == null ? DurationStyle.detectAndParse(TokenLifetime.DEFAULT_MAX) : maxTokenLifetime;
        issuers = issuers == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(issuers));
        if (maxTokenLength < 256 || maxTokenLength > 65536) {
            throw new IllegalArgumentException(PREFIX + ".max-token-length must be between 256 and 65536, was " + maxTokenLength);
        }
        boolean hasDefault = issuer != null && !issuer.isBlank();
        if (hasDefault) {
            new Issuer(issuer, jwksUri, false, audiences, algorithms, clockSkew, maxTokenLifetime, TokenType.AT_JWT, null)
                    .validate(PREFIX, " (" + TokenLifetime.ENVIRONMENT_VARIABLE + ")");
        } else if (jwksUri != null) {
            throw new IllegalArgumentException(PREFIX + ".issuer (AUTH_ISSUER) is empty but " + PREFIX
                    + ".jwks-uri is set: name the issuer whose keys these are");
        }
        if (!hasDefault && issuers.isEmpty()) {
            throw new IllegalArgumentException("no issuer is trusted: set " + PREFIX + ".issuer (AUTH_ISSUER) and "
                    + PREFIX + ".jwks-uri (AUTH_JWKS_URI), or add one under " + PREFIX + ".issuers");
        }
        Map<String, String> byIss = new HashMap<>();
        if (hasDefault) {
            byIss.put(issuer, DEFAULT_ISSUER_ID);
        }
        for (Map.Entry<String, Issuer> entry : issuers.entrySet()) {
            String key = PREFIX + ".issuers." + entry.getKey();
            if (!ISSUER_ID.matcher(entry.getKey()).matches()) {
                throw new IllegalArgumentException(key + ": '" + entry.getKey()
                        + "' is not an issuer id (lower-case letters, digits and dashes)");
            }
            if (DEFAULT_ISSUER_ID.equals(entry.getKey())) {
                throw new IllegalArgumentException(key + ": the id '" + DEFAULT_ISSUER_ID
                        + "' is the default issuer's (" + PREFIX + ".issuer); choose another");
            }
            Issuer value = entry.getValue();
            value.validate(key, "");
            String other = byIss.putIfAbsent(value.issuer(), entry.getKey());
            if (other != null) {
                throw new IllegalArgumentException(key + ".issuer: '" + value.issuer()
                        + "' is already the issuer '" + other + "'; a token must match exactly one issuer");
            }
        }
    }

    /** Every trusted issuer by id, the default one ({@value #DEFAULT_ISSUER_ID}) first when it is configured. */
    public Map<String, Issuer> trustedIssuers() {
        Map<String, Issuer> all = new LinkedHashMap<>();
        if (issuer != null && !issuer.isBlank()) {
            all.put(DEFAULT_ISSUER_ID, new Issuer(issuer, jwksUri, false, audiences, algorithms, clockSkew, maxTokenLifetime,
                    TokenType.AT_JWT, null));
        }
        all.putAll(issuers);
        return Collections.unmodifiableMap(all);
    }

    /** The longest token lifetime any issuer allows: how long a revoke-all marker must be kept. */
    public Duration longestTokenLifetime() {
        return trustedIssuers().values().stream().map(Issuer::maxTokenLifetime).max(Duration::compareTo).orElseThrow();
    }

    /** The largest clock skew of any issuer. */
    public Duration largestClockSkew() {
        return trustedIssuers().values().stream().map(Issuer::clockSkew).max(Duration::compareTo).orElseThrow();
    }

    /** What a token's {@code typ} header may be. */
    public enum TokenType {
        /** RFC 9068: {@code at+jwt} (or {@code application/at+jwt}) and nothing else: an ID token is never taken. */
        AT_JWT,
        /** {@code at+jwt}, {@code JWT} or no {@code typ}: for issuers that do not type their access tokens. */
        JWT
    }

    /**
     * One trusted issuer ({@code portcullis.jwt.issuers.<id>.*}).
     *
     * @param issuer           the exact {@code iss} its tokens carry
     * @param jwksUri          its JWKS; unset with {@code discovery} to read it from the issuer's metadata
     * @param discovery        read {@code jwks_uri} from {@code <issuer>/.well-known/openid-configuration} (whose
     *                         {@code issuer} must be this issuer exactly)
     * @param audiences        {@code aud} must contain one of these
     * @param algorithms       allow-list of JWS algorithms
     * @param clockSkew        tolerance for {@code exp}, {@code nbf} and {@code iat}
     * @param maxTokenLifetime tokens whose {@code exp - iat} is longer are refused
     * @param typ              what the {@code typ} header may be
     * @param claims           where the identity is read from in its tokens
     */
    public record Issuer(
            String issuer,
            URI jwksUri,
            @DefaultValue("false") boolean discovery,
            @DefaultValue Set<String> audiences,
            @DefaultValue("RS256") Set<String> algorithms,
            @DefaultValue("30s") Duration clockSkew,
            @DefaultValue(TokenLifetime.DEFAULT_MAX) Duration maxTokenLifetime,
            @DefaultValue("at-jwt") TokenType typ,
            @DefaultValue Claims claims) {

        public Issuer {
            audiences = audiences == null ? Set.of() : Set.copyOf(audiences);
            algorithms = algorithms == null || algorithms.isEmpty() ? Set.of("RS256") : Set.copyOf(algorithms);
            clockSkew = clockSkew == null ? Duration.ofSeconds(30) : clockSkew;
            maxTokenLifetime = maxTokenLifetime == null ? DurationStyle.detectAndParse(TokenLifetime.DEFAULT_MAX) : maxTokenLifetime;
            typ = typ == null ? TokenType.AT_JWT : typ;
            claims = claims == null ? Claims.DEFAULT : claims;
        }

        /** Where the key set is fetched from first: the JWKS itself, or the metadata naming it. */
        public URI discoveryUri() {
            if (!discovery || jwksUri != null) {
                return null;
            }
            String base = issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
            return URI.create(base + "/.well-known/openid-configuration");
        }

        public Set<JWSAlgorithm> allowedAlgorithms() {
            return algorithms.stream().map(JWSAlgorithm::parse).collect(Collectors.toUnmodifiableSet());
        }

        /** Where this issuer's keys come from, and which algorithms they may be used with. */
        public JwksKeyStore.Source keySource() {
            return new JwksKeyStore.Source(issuer, jwksUri, discoveryUri(), allowedAlgorithms());
        }

        void validate(String key, String lifetimeVariable) {
            if (issuer == null || issuer.isBlank()) {
                throw new IllegalArgumentException(key + ".issuer must be set: the exact 'iss' of the issuer's tokens");
            }
            if (jwksUri == null && !discovery) {
                throw new IllegalArgumentException(key + ".jwks-uri must be set (or " + key + ".discovery: true)");
            }
            if (jwksUri != null && discovery) {
                throw new IllegalArgumentException(key + ": set either jwks-uri or discovery: true, not both");
            }
            if (jwksUri != null && !isHttp(jwksUri)) {
                throw new IllegalArgumentException(key + ".jwks-uri must be an http(s) URL, was " + jwksUri);
            }
            if (discovery && !isHttp(URI.create(issuer.strip()))) {
                throw new IllegalArgumentException(key + ".discovery needs an http(s) issuer, was " + issuer);
            }
            if (audiences.isEmpty() || audiences.stream().anyMatch(a -> a == null || a.isBlank())) {
                throw new IllegalArgumentException(key + ".audiences must name at least one audience");
            }
            for (String name : algorithms) {
                JWSAlgorithm algorithm = JWSAlgorithm.parse(name);
                if (!SUPPORTED.contains(algorithm)) {
                    throw new IllegalArgumentException(key + ".algorithms: '" + name
                            + "' is not allowed; choose from RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384");
                }
            }
            if (clockSkew.isNegative() || clockSkew.compareTo(Duration.ofMinutes(5)) > 0) {
                throw new IllegalArgumentException(key + ".clock-skew must be between 0s and 5m, was " + clockSkew);
            }
            if (!maxTokenLifetime.isPositive()) {
                throw new IllegalArgumentException(key + ".max-token-lifetime" + lifetimeVariable
                        + " must be positive, was " + maxTokenLifetime);
            }
            claims.validate(key + ".claims");
        }

        private static boolean isHttp(URI uri) {
            return "https".equals(uri.getScheme()) || "http".equals(uri.getScheme());
        }
    }

    /**
     * Where an issuer's tokens carry the identity ({@code portcullis.jwt.issuers.<id>.claims.*}). A path is a claim
     * name, or names joined by dots into nested JSON objects ({@code realm_access.roles}); a claim whose own name has
     * dots (Auth0's {@code https://example.com/roles}) is found by its whole name first. A list-valued entry may be a
     * JSON array of strings, a space-separated string or a single string; several paths are merged in order.
     *
     * @param subject          the user or client id ({@code x-user-id}, the revoke-all key)
     * @param tokenId          the token's unique id, the per-token revocation key (Entra ID: {@code uti}); empty
     *                         for an issuer whose tokens have none: they can then be revoked by subject only
     * @param roles            the roles ({@code x-user-role}, joined by commas; the {@code roles} policy word)
     * @param rolePrefix       stripped from a role that starts with it (Keycloak's {@code ROLE_}, a namespace)
     * @param permissions      the permissions ({@code x-user-permissions}; {@code permissions}, {@code any-permissions})
     * @param permissionPrefix stripped from a permission that starts with it
     * @param scopes           the scopes ({@code x-user-scopes}; the {@code scopes} policy word); Entra ID: {@code scp}
     * @param clientId         the OAuth client the token was issued to; Keycloak and Entra ID: {@code azp}
     * @param mfaAmr           the token counts as MFA ({@code mfa: true}) when {@code amr} holds one of these ...
     * @param mfaAcr           ... or when {@code acr} is one of these
     */
    public record Claims(
            @DefaultValue("sub") String subject,
            @DefaultValue("jti") String tokenId,
            @DefaultValue("role") List<String> roles,
            @DefaultValue("") String rolePrefix,
            @DefaultValue("permissions") List<String> permissions,
            @DefaultValue("") String permissionPrefix,
            @DefaultValue("scope") List<String> scopes,
            @DefaultValue("client_id") String clientId,
            @DefaultValue("mfa") List<String> mfaAmr,
            @DefaultValue List<String> mfaAcr) {

        /** Portcullis' own claims (docs/contract.md#access-token): {@code sub}, {@code role}, {@code permissions}, {@code scope}. */
        public static final Claims DEFAULT = new Claims("sub", "jti", List.of("role"), "", List.of("permissions"), "",
                List.of("scope"), "client_id", List.of("mfa"), List.of());

        public Claims {
            tokenId = tokenId == null ? "" : tokenId;
            rolePrefix = rolePrefix == null ? "" : rolePrefix;
            permissionPrefix = permissionPrefix == null ? "" : permissionPrefix;
            roles = roles == null ? List.of() : List.copyOf(roles);
            permissions = permissions == null ? List.of() : List.copyOf(permissions);
            scopes = scopes == null ? List.of() : List.copyOf(scopes);
            mfaAmr = mfaAmr == null ? List.of() : List.copyOf(mfaAmr);
            mfaAcr = mfaAcr == null ? List.of() : List.copyOf(mfaAcr);
        }

        void validate(String key) {
            checkPath(key + ".subject", subject);
            if (!tokenId.isEmpty()) {
                checkPath(key + ".token-id", tokenId);
            }
            if (clientId != null && !clientId.isEmpty()) {
                checkPath(key + ".client-id", clientId);
            }
            for (int i = 0; i < roles.size(); i++) {
                checkPath(key + ".roles[" + i + "]", roles.get(i));
            }
            for (int i = 0; i < permissions.size(); i++) {
                checkPath(key + ".permissions[" + i + "]", permissions.get(i));
            }
            for (int i = 0; i < scopes.size(); i++) {
                checkPath(key + ".scopes[" + i + "]", scopes.get(i));
            }
        }

        private static void checkPath(String key, String path) {
            if (path == null || path.isBlank() || path.startsWith(".") || path.endsWith(".") || path.contains("..")) {
                throw new IllegalArgumentException(key + ": '" + path + "' is not a claim path (names joined by dots)");
            }
        }
    }

    /**
     * @param enabled    cache verification results of tokens seen before
     * @param maxEntries bound on the number of cached tokens
     */
    public record Cache(@DefaultValue("true") boolean enabled, @DefaultValue("100000") @Min(0) int maxEntries) {
    }

    /**
     * A budget of failed verifications per client IP, shared by every instance through the rate limiter's Redis
     * buckets (GCRA with local leases). A token that is not in the verified-token cache takes one unit before it is
     * parsed or its signature checked; a token that verifies gives it back. An IP that has spent its budget gets 429
     * with {@code Retry-After} for every uncached token, without any signature work, until the bucket refills.
     *
     * @param enabled  master switch
     * @param failures failed verifications allowed per {@code period} and client IP
     * @param period   the refill period
     * @param burst    failures allowed at once (0 = {@code failures})
     */
    public record FailureBudget(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("120") @Min(1) int failures,
            @DefaultValue("1m") @NotNull Duration period,
            @DefaultValue("0") @Min(0) int burst) {

        public FailureBudget {
            if (!period.isPositive()) {
                throw new IllegalArgumentException("portcullis.jwt.failure-budget.period must be positive, was " + period);
            }
        }
    }
}
