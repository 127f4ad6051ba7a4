package dev.portcullis.gateway.security;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.portcullis.contract.TokenClaims;
import dev.portcullis.gateway.web.Rejection;
import dev.portcullis.gateway.web.RejectionReason;
import java.text.ParseException;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * {@code exp} and {@code iat} must be present and of the right JSON type. (The subject and token id are read where
 * each issuer's claim mapping says, and required there.)
 */
final class RequiredClaimsValidator implements ClaimsValidator {

    @Override
    public Rejection validate(JWTClaimsSet claims, Instant now) {
        try {
            if (claims.getDateClaim(TokenClaims.EXPIRES_AT) == null) {
                return missing(TokenClaims.EXPIRES_AT);
            }
            if (claims.getDateClaim(TokenClaims.ISSUED_AT) == null) {
                return missing(TokenClaims.ISSUED_AT);
            }
            return null;
        } catch (ParseException wrongType) {
            return Rejection.of(RejectionReason.MALFORMED, "A registered claim has the wrong type");
        }
    }

    @Override
    public String check() {
        return "required_claims";
    }

    @Override
    public Map<String, Object> facts(JWTClaimsSet claims, Instant now) {
        return Map.of("required", List.of(TokenClaims.EXPIRES_AT, TokenClaims.ISSUED_AT));
    }

    private static Rejection missing(String claim) {
        return Rejection.of(RejectionReason.MISSING_CLAIM, "The token has no '" + claim + "' claim");
    }
}
