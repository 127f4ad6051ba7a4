package dev.portcullis.gateway.security;

import com.nimbusds.jose.JWSAlgorithm;
import dev.portcullis.contract.TokenLifetime;
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
 * @param maxTokenLength   longer tokens are refused before any parsing
 * @param maxTokenLifetime tokens whose {@code exp - iat} is longer are refused; revoke-all markers are kept this long
 *                         ({@code AUTH_MAX_TOKEN_LIFETIME}, the same variable the auth service reads)
 * @param jwks             key-set fetching
 * @param cache            cache of verified tokens
 * @param failureBudget    per-client-IP budget of failed verifications, spent before any signature is checked
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
        @DefaultValue(TokenLifetime.DEFAULT_MAX) @NotNull Duration maxTokenLifetime,
        @DefaultValue @Valid Jwks jwks,
        @DefaultValue @Valid Cache cache,
        @DefaultValue @Valid FailureBudget failureBudget) {

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
        if (maxTokenLifetime.isNegative() || maxTokenLifetime.isZero()) {
            throw new IllegalArgumentException("portcullis.jwt.max-token-lifetime (" + TokenLifetime.ENVIRONMENT_VARIABLE
                    + ") must be positive, was " + maxTokenLifetime);
        }
        if (jwksUri != null && !("https".equals(jwksUri.getScheme()) || "http".equals(jwksUri.getScheme()))) {
            throw new IllegalArgumentException("portcullis.jwt.jwks-uri must be an http(s) URL, was " + jwksUri);
        }
    }

    /**
     * @param pollInterval       the key set is fetched this often; a key removed from it stops working within this
     *                           interval (plus one fetch), cached verifications included
     * @param minRefetchInterval unknown {@code kid}s trigger at most two extra fetches per interval (nimbus' rate limit)
     * @param outageTolerance    how long the last good key set keeps serving while every fetch fails
     * @param connectTimeout     HTTP connect timeout of a fetch
     * @param readTimeout        HTTP read timeout of a fetch
     */
    public record Jwks(
            @DefaultValue("15s") @NotNull Duration pollInterval,
            @DefaultValue("30s") @NotNull Duration minRefetchInterval,
            @DefaultValue("12h") @NotNull Duration outageTolerance,
            @DefaultValue("2s") @NotNull Duration connectTimeout,
            @DefaultValue("2s") @NotNull Duration readTimeout) {

        public Jwks {
            // the poller ticks once a second: a shorter interval would not be honoured
            if (pollInterval.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("portcullis.jwt.jwks.poll-interval must be at least 1s, was " + pollInterval);
            }
            if (!minRefetchInterval.isPositive()) {
                throw new IllegalArgumentException("portcullis.jwt.jwks.min-refetch-interval must be positive, was "
                        + minRefetchInterval);
            }
            if (outageTolerance.compareTo(pollInterval) < 0) {
                throw new IllegalArgumentException("portcullis.jwt.jwks.outage-tolerance (" + outageTolerance
                        + ") must not be shorter than portcullis.jwt.jwks.poll-interval (" + pollInterval + ")");
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
