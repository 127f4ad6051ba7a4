package dev.portcullis.gateway.security;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.portcullis.gateway.web.Rejection;
import dev.portcullis.gateway.web.RejectionReason;
import java.time.Instant;

/** {@code iss} must equal the configured issuer exactly (no prefix or case games). */
final class IssuerValidator implements ClaimsValidator {

    private final String issuer;

    IssuerValidator(String issuer) {
        this.issuer = issuer;
    }

    @Override
    public Rejection validate(JWTClaimsSet claims, Instant now) {
        return issuer.equals(claims.getIssuer()) ? null
                : Rejection.of(RejectionReason.WRONG_ISSUER, "The token was not issued by the trusted issuer");
    }
}
