package dev.portcullis.gateway.security;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.portcullis.gateway.web.Rejection;
import dev.portcullis.gateway.web.RejectionReason;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code aud} must contain one of the configured audiences: a token minted for another service is refused here. */
final class AudienceValidator implements ClaimsValidator {

    private final Set<String> audiences;

    AudienceValidator(Set<String> audiences) {
        this.audiences = Set.copyOf(audiences);
    }

    @Override
    public Rejection validate(JWTClaimsSet claims, Instant now) {
        List<String> audience = claims.getAudience();
        for (String value : audience) {
            if (audiences.contains(value)) {
                return null;
            }
        }
        return Rejection.of(RejectionReason.WRONG_AUDIENCE, "The token is not meant for this gateway");
    }

    @Override
    public String check() {
        return "audience";
    }

    /** The accepted audiences are configuration; of the token's own, only how many there are. */
    @Override
    public Map<String, Object> facts(JWTClaimsSet claims, Instant now) {
        return Map.of("accepted", audiences.stream().sorted().toList(), "token_audiences", claims.getAudience().size());
    }
}
