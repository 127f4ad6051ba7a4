package dev.portcullis.jwt;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.portcullis.contract.TokenClaims;
import java.text.ParseException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The named claims must be present and of the right JSON type: {@code exp}, {@code iat} and {@code nbf} numeric
 * dates, any other a string (such as {@code sub} and {@code jti}). Runs first, so that the rules after it may rely on
 * what it required.
 */
public final class RequiredClaimsValidator implements JwtClaimsValidator {

    private static final Set<String> DATES = Set.of(TokenClaims.EXPIRES_AT, TokenClaims.ISSUED_AT, TokenClaims.NOT_BEFORE);

    private final List<String> required;

    private RequiredClaimsValidator(List<String> required) {
        this.required = List.copyOf(required);
    }

    /** @param claims the claims every token must carry, checked in this order */
    public static RequiredClaimsValidator of(String... claims) {
        return new RequiredClaimsValidator(List.of(claims));
    }

    @Override
    public Optional<ClaimsRejection> validate(JWTClaimsSet claims, Instant now) {
        try {
            for (String claim : required) {
                Object value = DATES.contains(claim) ? claims.getDateClaim(claim) : claims.getStringClaim(claim);
                if (value == null) {
                    return Optional.of(new ClaimsRejection(ClaimsRejection.Reason.MISSING_CLAIM,
                            "The token has no '" + claim + "' claim"));
                }
            }
            return Optional.empty();
        } catch (ParseException wrongType) {
            return Optional.of(new ClaimsRejection(ClaimsRejection.Reason.MALFORMED,
                    "A registered claim has the wrong type"));
        }
    }

    @Override
    public String check() {
        return "required_claims";
    }

    @Override
    public Map<String, Object> facts(JWTClaimsSet claims, Instant now) {
        return Map.of("required", required);
    }
}
