package dev.portcullis.jwt;

import com.nimbusds.jwt.JWTClaimsSet;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.Optional;

/**
 * {@code exp - iat} must not exceed the maximum token lifetime. The bound is what makes revocation complete:
 * revoke-all markers are kept that long, and a token living longer would outlast the marker that revokes it. Both
 * claims come from the issuer's clock, so no skew applies; a token of exactly the bound passes. A token without
 * either claim passes this rule ({@link RequiredClaimsValidator} runs first and refuses it).
 */
public final class TokenLifetimeValidator implements JwtClaimsValidator {

    private final Duration maxLifetime;

    public TokenLifetimeValidator(Duration maxLifetime) {
        this.maxLifetime = maxLifetime;
    }

    @Override
    public Optional<ClaimsRejection> validate(JWTClaimsSet claims, Instant now) {
        Date issuedAt = claims.getIssueTime();
        Date expiresAt = claims.getExpirationTime();
        if (issuedAt == null || expiresAt == null) {
            return Optional.empty();
        }
        if (Duration.between(issuedAt.toInstant(), expiresAt.toInstant()).compareTo(maxLifetime) > 0) {
            return Optional.of(new ClaimsRejection(ClaimsRejection.Reason.LIFETIME_TOO_LONG,
                    "The token's lifetime (exp - iat) is longer than accepted here (" + maxLifetime.toSeconds() + " s)"));
        }
        return Optional.empty();
    }

    @Override
    public String check() {
        return "lifetime";
    }

    @Override
    public Map<String, Object> facts(JWTClaimsSet claims, Instant now) {
        Date issuedAt = claims.getIssueTime();
        Date expiresAt = claims.getExpirationTime();
        if (issuedAt == null || expiresAt == null) {
            return Map.of("max_lifetime_seconds", maxLifetime.toSeconds());
        }
        return Map.of("max_lifetime_seconds", maxLifetime.toSeconds(),
                "lifetime_seconds", Duration.between(issuedAt.toInstant(), expiresAt.toInstant()).toSeconds());
    }
}
