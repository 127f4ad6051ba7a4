package dev.portcullis.jwt;

import com.nimbusds.jwt.JWTClaimsSet;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One rule a token's claims must satisfy, checked after the signature. A failure is a value carrying the reason,
 * never an exception, so that {@link #allOf} can stop at the first failure and report exactly why (as Spring
 * Security's {@code OAuth2TokenValidator}s do).
 */
@FunctionalInterface
public interface JwtClaimsValidator {

    /** Empty when the claims pass, else why they do not. */
    Optional<ClaimsRejection> validate(JWTClaimsSet claims, Instant now);

    /** The check's name, for a trace of the steps a verification took. */
    default String check() {
        return "claims";
    }

    /** What the rule compared, for such a trace; no claim value a client could use (no subject, no token id). */
    default Map<String, Object> facts(JWTClaimsSet claims, Instant now) {
        return Map.of();
    }

    /** Runs the validators in order and returns the first failure. */
    static JwtClaimsValidator allOf(List<JwtClaimsValidator> validators) {
        JwtClaimsValidator[] all = validators.toArray(JwtClaimsValidator[]::new);
        return (claims, now) -> {
            for (JwtClaimsValidator validator : all) {
                Optional<ClaimsRejection> rejection = validator.validate(claims, now);
                if (rejection.isPresent()) {
                    return rejection;
                }
            }
            return Optional.empty();
        };
    }
}
