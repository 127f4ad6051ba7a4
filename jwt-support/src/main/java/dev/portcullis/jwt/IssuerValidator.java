package dev.portcullis.jwt;

import com.nimbusds.jwt.JWTClaimsSet;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/** {@code iss} must be exactly the expected issuer (compared as strings, as RFC 7519 says). */
public final class IssuerValidator implements JwtClaimsValidator {

    private final String issuer;

    public IssuerValidator(String issuer) {
        this.issuer = issuer;
    }

    @Override
    public Optional<ClaimsRejection> validate(JWTClaimsSet claims, Instant now) {
        if (issuer.equals(claims.getIssuer())) {
            return Optional.empty();
        }
        return Optional.of(new ClaimsRejection(ClaimsRejection.Reason.WRONG_ISSUER,
                "The token was issued by another issuer"));
    }

    @Override
    public String check() {
        return "issuer";
    }

    @Override
    public Map<String, Object> facts(JWTClaimsSet claims, Instant now) {
        return Map.of("accepted", issuer);
    }
}
