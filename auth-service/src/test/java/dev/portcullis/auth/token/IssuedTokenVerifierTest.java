package dev.portcullis.auth.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.auth.config.AuthProperties;
import dev.portcullis.auth.config.BoundAuthProperties;
import dev.portcullis.auth.keys.KeyManager;
import dev.portcullis.auth.keys.SigningJwks;
import dev.portcullis.auth.observability.AuthMetrics;
import dev.portcullis.auth.web.ApiException;
import dev.portcullis.testsupport.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Signature and claims of a token presented back to the auth service, by the shared claim rules; no Redis here. */
class IssuedTokenVerifierTest {

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
    private KeyManager keys;
    private IssuedTokenVerifier verifier;

    @BeforeEach
    void setUp() {
        AuthProperties properties = BoundAuthProperties.of("keys.dir=" + dir, "keys.generate=true",
                "keys.algorithm=ES256", "issuer=https://auth.test", "audience=portcullis", "clock-skew=30s",
                "max-token-lifetime=1h");
        keys = new KeyManager(properties, clock, new AuthMetrics(new SimpleMeterRegistry()));
        verifier = new IssuedTokenVerifier(keys, null, clock, properties);
    }

    @Test
    void acceptsATokenItIssuedAndReadsItsClaims() throws Exception {
        VerifiedToken token = verifier.verifySignatureAndClaims(sign(claims -> claims));
        assertThat(token.subject()).isEqualTo("u-alice");
        assertThat(token.jti()).isEqualTo("t-1");
        assertThat(token.username()).isEqualTo("alice");
    }

    @Test
    void refusesWhatTheSharedClaimRulesRefuse() {
        assertRefused(claims -> claims.issuer("https://evil.test"), "another issuer");
        assertRefused(claims -> claims.audience("order-service"), "not meant for this service");
        assertRefused(claims -> claims.jwtID(null), "'jti'");
        assertRefused(claims -> claims.subject(null), "'sub'");
        assertRefused(claims -> claims.expirationTime(date(clock.instant().minusSeconds(30))), "expired");
        assertRefused(claims -> claims.notBeforeTime(date(clock.instant().plusSeconds(31))), "not valid yet");
        assertRefused(claims -> claims.issueTime(date(clock.instant().minus(Duration.ofHours(2))))
                .expirationTime(date(clock.instant().plusSeconds(60))), "lifetime");
    }

    @Test
    void toleratesTheClockSkew() throws Exception {
        assertThat(verifier.verifySignatureAndClaims(sign(claims -> claims
                .expirationTime(date(clock.instant().minusSeconds(29)))
                .issueTime(date(clock.instant().minusSeconds(600)))))).isNotNull();
    }

    @Test
    void refusesAnAlgorithmThatIsNotTheKeysOwn() throws Exception {
        JWK key = keys.signingKey();
        JWSHeader rs256 = new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID())
                .type(new JOSEObjectType("at+jwt")).build();
        SignedJWT signed = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID())
                .type(new JOSEObjectType("at+jwt")).build(), good().build());
        signed.sign(SigningJwks.signer(key));
        String[] parts = signed.serialize().split("\\.");
        String relabelled = rs256.toBase64URL() + "." + parts[1] + "." + parts[2];
        assertThatThrownBy(() -> verifier.verifySignatureAndClaims(relabelled)).isInstanceOf(ApiException.class)
                .hasMessage("bad signature");
    }

    private void assertRefused(UnaryOperator<JWTClaimsSet.Builder> change, String description) {
        assertThatThrownBy(() -> verifier.verifySignatureAndClaims(sign(change))).as(description)
                .isInstanceOf(ApiException.class).hasMessageContaining(description);
    }

    private String sign(UnaryOperator<JWTClaimsSet.Builder> change) throws Exception {
        JWK key = keys.signingKey();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(SigningJwks.algorithm(key)).keyID(key.getKeyID())
                .type(new JOSEObjectType("at+jwt")).build(), change.apply(good()).build());
        jwt.sign(SigningJwks.signer(key));
        return jwt.serialize();
    }

    private JWTClaimsSet.Builder good() {
        Instant now = clock.instant();
        return new JWTClaimsSet.Builder().issuer("https://auth.test").audience("portcullis").subject("u-alice")
                .jwtID("t-1").claim("username", "alice").claim("role", "user").issueTime(date(now))
                .notBeforeTime(date(now)).expirationTime(date(now.plus(Duration.ofMinutes(15))));
    }

    private static Date date(Instant instant) {
        return Date.from(instant);
    }
}
