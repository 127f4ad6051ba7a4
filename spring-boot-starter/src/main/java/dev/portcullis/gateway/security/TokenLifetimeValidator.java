package dev.portcullis.gateway.security;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.portcullis.gateway.web.Rejection;
import dev.portcullis.gateway.web.RejectionReason;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;

/**
 * {@code exp - iat} must not exceed {@code portcullis.jwt.max-token-lifetime}. The bound is what makes revocation
 * complete: revoke-all markers are kept that long, and a token living longer would outlast the marker that revokes
 * it. Both claims come from the issuer's clock, so no skew applies; a token of exactly the bound passes.
 */
final class TokenLifetimeValidator implements ClaimsValidator {

    private final Duration maxLifetime;

    TokenLifetimeValidator(Duration maxLifetime) {
        this.maxLifetime = maxLifetime;
    }

    @Override
    public Rejection validate(JWTClaimsSet claims, Instant now) {
        Date issuedAt = claims.getIssueTime();
        Date expiresAt = claims.getExpirationTime();
        if (issuedAt == null || expiresAt == null) {
            return null; // RequiredClaimsValidator runs first and refuses these
        }
        if (Duration.between(issuedAt.toInstant(), expiresAt.toInstant()).compareTo(maxLifetime) > 0) {
            return Rejection.of(RejectionReason.LIFETIME_TOO_LONG,
                    "The token's lifetime (exp - iat) is longer than this gateway accepts (" + maxLifetime.toSeconds() + " s)");
        }
        return null;
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
