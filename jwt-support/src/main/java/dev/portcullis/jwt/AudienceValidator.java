package dev.portcullis.jwt;

import com.nimbusds.jwt.JWTClaimsSet;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** {@code aud} must contain one of the accepted audiences: a token minted for another service is refused here. */
public final class AudienceValidator implements JwtClaimsValidator {

    private final Set<String> audiences;

    public AudienceValidator(Set<String> audiences) {
        this.audiences = Set.copyOf(audiences);
    }

    @Override
    public Optional<ClaimsRejection> validate(JWTClaimsSet claims, Instant now) {
        List<String> audience = claims.getAudience();
        for (String value : audience) {
            if (audiences.contains(value)) {
                return Optional.empty();
            }
        }
        return Optional.of(new ClaimsRejection(ClaimsRejection.Reason.WRONG_AUDIENCE,
                "The token is not meant for this service"));
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
