package dev.portcullis.gateway.security;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.portcullis.gateway.web.Rejection;
import dev.portcullis.gateway.web.RejectionReason;
import dev.portcullis.jwt.ClaimsRejection;
import dev.portcullis.jwt.JwtClaimsValidator;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One rule a token's claims must satisfy, as the gateway runs it: with a {@link VerificationTrace} and the gateway's
 * {@link Rejection}. The rules themselves are the shared ones ({@code dev.portcullis.jwt}, which the auth service and
 * the services verify with too), adapted by {@link #of}. A failure is a value carrying the reason, never an
 * exception, so that the delegating validator can stop at the first failure and report exactly why.
 */
@FunctionalInterface
interface ClaimsValidator {

    /** @return null when the claims pass, else why they do not */
    Rejection validate(JWTClaimsSet claims, Instant now);

    /** The check's name in a {@link VerificationTrace}. */
    default String check() {
        return "claims";
    }

    /** What the rule compared, for a {@link VerificationTrace}; asked only when one listens. */
    default Map<String, Object> facts(JWTClaimsSet claims, Instant now) {
        return Map.of();
    }

    /** Validates and tells the trace; stops at the first failure. */
    default Rejection validate(JWTClaimsSet claims, Instant now, VerificationTrace trace) {
        Rejection rejection = validate(claims, now);
        if (trace.enabled()) {
            trace.step(check(), rejection, facts(claims, now));
        }
        return rejection;
    }

    /** A shared rule, its reason mapped to the gateway's (which names the metric tag and the problem). */
    static ClaimsValidator of(JwtClaimsValidator rule) {
        return new SharedRule(rule);
    }

    /** Runs the validators in order and returns the first failure. */
    static ClaimsValidator delegating(List<ClaimsValidator> validators) {
        return new DelegatingClaimsValidator(validators);
    }

    /** The validators in order; each reports its own step to a trace. */
    final class DelegatingClaimsValidator implements ClaimsValidator {

        private final ClaimsValidator[] validators;

        DelegatingClaimsValidator(List<ClaimsValidator> validators) {
            this.validators = validators.toArray(ClaimsValidator[]::new);
        }

        @Override
        public Rejection validate(JWTClaimsSet claims, Instant now) {
            for (ClaimsValidator validator : validators) {
                Rejection rejection = validator.validate(claims, now);
                if (rejection != null) {
                    return rejection;
                }
            }
            return null;
        }

        @Override
        public Rejection validate(JWTClaimsSet claims, Instant now, VerificationTrace trace) {
            if (!trace.enabled()) {
                return validate(claims, now);
            }
            for (ClaimsValidator validator : validators) {
                Rejection rejection = validator.validate(claims, now, trace);
                if (rejection != null) {
                    return rejection;
                }
            }
            return null;
        }
    }

    /** A {@link JwtClaimsValidator} seen through the gateway's rejection reasons. */
    final class SharedRule implements ClaimsValidator {

        private final JwtClaimsValidator rule;

        SharedRule(JwtClaimsValidator rule) {
            this.rule = rule;
        }

        @Override
        public Rejection validate(JWTClaimsSet claims, Instant now) {
            return rule.validate(claims, now).map(SharedRule::rejection).orElse(null);
        }

        @Override
        public String check() {
            return rule.check();
        }

        @Override
        public Map<String, Object> facts(JWTClaimsSet claims, Instant now) {
            return rule.facts(claims, now);
        }

        private static Rejection rejection(ClaimsRejection rejection) {
            RejectionReason reason = switch (rejection.reason()) {
                case MALFORMED -> RejectionReason.MALFORMED;
                case MISSING_CLAIM -> RejectionReason.MISSING_CLAIM;
                case WRONG_ISSUER -> RejectionReason.ISSUER_NOT_ACCEPTED;
                case WRONG_AUDIENCE -> RejectionReason.WRONG_AUDIENCE;
                case EXPIRED -> RejectionReason.EXPIRED;
                case NOT_YET_VALID -> RejectionReason.NOT_YET_VALID;
                case LIFETIME_TOO_LONG -> RejectionReason.LIFETIME_TOO_LONG;
            };
            return Rejection.of(reason, rejection.description());
        }
    }
}
