package dev.portcullis.jwt;

import com.nimbusds.jwt.JWTClaimsSet;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code exp} in the future, {@code nbf} and {@code iat} not in the future, each with the same clock skew: clocks of
 * the issuer and the verifier never agree to the millisecond. A token is expired from {@code exp + skew} on.
 */
public final class TimestampValidator implements JwtClaimsValidator {

    private final Duration skew;

    public TimestampValidator(Duration skew) {
        this.skew = skew;
    }

    @Override
    public Optional<ClaimsRejection> validate(JWTClaimsSet claims, Instant now) {
        Date expiresAt = claims.getExpirationTime();
        if (expiresAt != null && !now.minus(skew).isBefore(expiresAt.toInstant())) {
            return rejection(ClaimsRejection.Reason.EXPIRED, "The access token expired");
        }
        Date notBefore = claims.getNotBeforeTime();
        if (notBefore != null && notBefore.toInstant().isAfter(now.plus(skew))) {
            return rejection(ClaimsRejection.Reason.NOT_YET_VALID, "The access token is not valid yet");
        }
        Date issuedAt = claims.getIssueTime();
        if (issuedAt != null && issuedAt.toInstant().isAfter(now.plus(skew))) {
            return rejection(ClaimsRejection.Reason.NOT_YET_VALID, "The access token was issued in the future");
        }
        return Optional.empty();
    }

    @Override
    public String check() {
        return "timestamps";
    }

    /** The instants compared, and the skew they were compared with: all an operator needs to see a clock problem. */
    @Override
    public Map<String, Object> facts(JWTClaimsSet claims, Instant now) {
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("now", now.toString());
        facts.put("clock_skew_seconds", skew.toSeconds());
        put(facts, "exp", claims.getExpirationTime());
        put(facts, "nbf", claims.getNotBeforeTime());
        put(facts, "iat", claims.getIssueTime());
        return facts;
    }

    private static Optional<ClaimsRejection> rejection(ClaimsRejection.Reason reason, String description) {
        return Optional.of(new ClaimsRejection(reason, description));
    }

    private static void put(Map<String, Object> facts, String name, Date value) {
        if (value != null) {
            facts.put(name, value.toInstant().toString());
        }
    }
}
