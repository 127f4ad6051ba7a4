package dev.portcullis.gateway.security;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.portcullis.gateway.web.Rejection;
import java.time.Instant;
import java.util.List;

/**
 * One rule a token's claims must satisfy. A failure is a value carrying the reason, never an exception, so that the
 * delegating validator can stop at the first failure and report exactly why.
 */
@FunctionalInterface
interface ClaimsValidator {

    /** @return null when the claims pass, else why they do not */
    Rejection validate(JWTClaimsSet claims, Instant now);

    /** Runs the validators in order and returns the first failure. */
    static ClaimsValidator delegating(List<ClaimsValidator> validators) {
        List<ClaimsValidator> copy = List.copyOf(validators);
        return (claims, now) -> {
            for (ClaimsValidator validator : copy) {
                Rejection rejection = validator.validate(claims, now);
                if (rejection != null) {
                    return rejection;
                }
            }
            return null;
        };
    }
}
