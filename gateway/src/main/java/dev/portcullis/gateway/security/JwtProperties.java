package dev.portcullis.gateway.security;

import com.nimbusds.jose.JWSAlgorithm;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.time.Duration;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The trust anchor: where the keys come from and what a token must say to be accepted ({@code portcullis.jwt.*}).
 *
 * @param jwksUri        the auth service's JWKS ({@code AUTH_JWKS_URI}); keys come from nowhere else
 * @param issuer         the exact {@code iss} accepted ({@code AUTH_ISSUER})
 * @param audiences      {@code aud} must contain one of these ({@code AUTH_AUDIENCE})
 * @param algorithms     the allow-list of JWS algorithms; HMAC and {@code none} can never be listed
 * @param clockSkew      tolerance for {@code exp}, {@code nbf} and {@code iat}
 * @param maxTokenLength longer tokens are refused before any parsing
 * @param jwks           key-set fetching and caching
 * @param cache          cache of verified tokens
 */
@Validated
@ConfigurationProperties("portcullis.jwt")
public record JwtProperties(
        @NotNull URI jwksUri,
        @NotBlank String issuer,
        @NotEmpty Set<String> audiences,
        @DefaultValue("RS256") @NotEmpty Set<String> algorithms,
        @DefaultValue("30s") @NotNull Duration clockSkew,
        @DefaultValue("8192") @Min(256) @Max(65536) int maxTokenLength,
        @DefaultValue @Valid Jwks jwks,
        @DefaultValue @Valid Cache cache) {

    /** Algorithms Portcullis can verify; HMAC is absent on purpose: a shared secret does not belong at the edge. */
    static final Set<JWSAlgorithm> SUPPORTED = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
            JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256, JWSAlgorithm.ES384);

    public JwtProperties {
        for (String name : algorithms) {
            if (!SUPPORTED.contains(JWSAlgorithm.parse(name))) {
                throw new IllegalArgumentException("portcullis.jwt.algorithms: '" + name
                        + "' is not allowed; choose from RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384");
            }
        }
        if (clockSkew.isNegative() || clockSkew.compareTo(Duration.ofMinutes(5)) > 0) {
            throw new IllegalArgumentException("portcullis.jwt.clock-skew must be between 0s and 5m, was " + clockSkew);
        }
        if (jwksUri != null && !("https".equals(jwksUri.getScheme()) || "http".equals(jwksUri.getScheme()))) {
            throw new IllegalArgumentException("portcullis.jwt.jwks-uri must be an http(s) URL, was " + jwksUri);
        }
    }

    /**
     * @param cacheTtl           how long a fetched key set is used before it is fetched again
     * @param refreshAhead       how long before expiry a background refresh starts
     * @param minRefetchInterval unknown {@code kid}s trigger at most two fetches per interval
     * @param outageTolerance    how long the last good key set keeps serving while the JWKS endpoint fails
     * @param connectTimeout     HTTP connect timeout of a fetch
     * @param readTimeout        HTTP read timeout of a fetch
     * @param pollInterval       how often the gateway asks the cache for the current set (picks up refreshes)
     */
    public record Jwks(
            @DefaultValue("5m") @NotNull Duration cacheTtl,
            @DefaultValue("30s") @NotNull Duration refreshAhead,
            @DefaultValue("30s") @NotNull Duration minRefetchInterval,
            @DefaultValue("12h") @NotNull Duration outageTolerance,
            @DefaultValue("2s") @NotNull Duration connectTimeout,
            @DefaultValue("2s") @NotNull Duration readTimeout,
            @DefaultValue("15s") @NotNull Duration pollInterval) {

        public Jwks {
            // nimbus' own constraints, checked here so that the message names the keys
            Duration refreshWindow = refreshAhead.plus(connectTimeout).plus(readTimeout);
            if (refreshWindow.compareTo(cacheTtl) >= 0) {
                throw new IllegalArgumentException("portcullis.jwt.jwks.cache-ttl (" + cacheTtl
                        + ") must be longer than portcullis.jwt.jwks.refresh-ahead + connect-timeout + read-timeout ("
                        + refreshWindow + ")");
            }
            if (minRefetchInterval.compareTo(cacheTtl) >= 0) {
                throw new IllegalArgumentException("portcullis.jwt.jwks.min-refetch-interval (" + minRefetchInterval
                        + ") must be shorter than portcullis.jwt.jwks.cache-ttl (" + cacheTtl + ")");
            }
        }
    }

    /**
     * @param enabled    cache verification results of tokens seen before
     * @param maxEntries bound on the number of cached tokens
     */
    public record Cache(@DefaultValue("true") boolean enabled, @DefaultValue("100000") @Min(0) int maxEntries) {
    }
}
