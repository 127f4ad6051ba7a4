package dev.portcullis.products.caller;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.portcullis.contract.TokenClaims;
import dev.portcullis.jwt.AudienceValidator;
import dev.portcullis.jwt.IssuerValidator;
import dev.portcullis.jwt.JwtClaimsValidator;
import dev.portcullis.jwt.NimbusClaimsVerifier;
import dev.portcullis.jwt.RequiredClaimsValidator;
import dev.portcullis.jwt.TimestampValidator;
import dev.portcullis.servicesupport.problem.Problems;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Verifies a service token (client credentials) the way the gateway verifies a user's: RS256 only, {@code typ
 * at+jwt}, a key from the auth service's JWKS, then the claims by the rules the gateway and the auth service apply
 * too ({@code dev.portcullis.jwt}: {@code sub}, {@code jti}, {@code exp}, {@code iat} present, the expected issuer,
 * {@code aud} containing this service, {@code exp}/{@code nbf}/{@code iat} within the clock skew). Failures are 401
 * problems; the token itself is never logged.
 */
public final class ServiceTokenVerifier {

    private static final Log LOG = LogFactory.getLog(ServiceTokenVerifier.class);
    /** How long a client should wait before retrying when the JWKS cannot be fetched. */
    private static final Duration RETRY_AFTER_KEYS_UNAVAILABLE = Duration.ofSeconds(5);

    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();

    public ServiceTokenVerifier(JWKSource<SecurityContext> keys, ServiceTokenProperties properties, Clock clock) {
        processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(new JOSEObjectType(TokenClaims.ACCESS_TOKEN_TYPE)));
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.RS256, keys));
        processor.setJWTClaimsSetVerifier(new NimbusClaimsVerifier<>(JwtClaimsValidator.allOf(List.of(
                RequiredClaimsValidator.of(TokenClaims.SUBJECT, TokenClaims.TOKEN_ID, TokenClaims.EXPIRES_AT,
                        TokenClaims.ISSUED_AT),
                new IssuerValidator(properties.issuer()),
                new AudienceValidator(Set.of(properties.audience())),
                new TimestampValidator(properties.clockSkew()))), clock));
    }

    /**
     * The calling service, or a 401 problem. The JWKS fetch inside nimbus blocks (HTTP), so verification runs on
     * {@code boundedElastic}, never on the event loop; with warm keys it is a cheap signature check.
     */
    public Mono<Caller.Service> verify(String token) {
        return Mono.fromCallable(() -> processor.process(token, null))
                .subscribeOn(Schedulers.boundedElastic())
                .map(ServiceTokenVerifier::toCaller)
                .onErrorMap(ServiceTokenVerifier::toProblem);
    }

    private static Caller.Service toCaller(JWTClaimsSet claims) {
        Object clientId = claims.getClaim(TokenClaims.CLIENT_ID);
        String scope = (String) claims.getClaim(TokenClaims.SCOPE);
        Set<String> scopes = scope == null ? Set.of()
                : Arrays.stream(scope.split(" ")).filter(s -> !s.isBlank()).collect(Collectors.toUnmodifiableSet());
        return new Caller.Service(clientId != null ? clientId.toString() : claims.getSubject(), scopes);
    }

    private static Throwable toProblem(Throwable error) {
        // Key source first: an unreachable JWKS is our outage, not the caller's fault (503 + Retry-After).
        if (error instanceof KeySourceException) {
            LOG.warn("Cannot verify a service token: JWKS unavailable (" + error.getMessage() + ")");
            return Problems.serviceUnavailable("The signing keys cannot be fetched right now.",
                    RETRY_AFTER_KEYS_UNAVAILABLE);
        }
        if (error instanceof ParseException) {
            return Problems.invalidToken("The token is not a well-formed JWT.");
        }
        if (error instanceof BadJOSEException || error instanceof JOSEException) {
            LOG.info("Service token rejected: " + error.getMessage());
            return Problems.invalidToken(error.getMessage());
        }
        if (error instanceof ClassCastException) {
            return Problems.invalidToken("The token's scope claim is not a string.");
        }
        return error;
    }
}
