package dev.portcullis.jwt;

import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.JWTClaimsSetVerifier;
import java.time.Clock;
import java.util.Optional;

/**
 * The shared validators as nimbus's claims verifier, for a {@code DefaultJWTProcessor}: a rejection becomes a
 * {@link BadJWTException} whose message is the rejection's description (safe to show), and the time is the
 * application's {@link Clock}, so tests can move it.
 */
public final class NimbusClaimsVerifier<C extends SecurityContext> implements JWTClaimsSetVerifier<C> {

    private final JwtClaimsValidator validator;
    private final Clock clock;

    public NimbusClaimsVerifier(JwtClaimsValidator validator, Clock clock) {
        this.validator = validator;
        this.clock = clock;
    }

    @Override
    public void verify(JWTClaimsSet claims, C context) throws BadJWTException {
        Optional<ClaimsRejection> rejection = validator.validate(claims, clock.instant());
        if (rejection.isPresent()) {
            throw new BadJWTException(rejection.get().description());
        }
    }
}
