package dev.portcullis.auth.keys;

import dev.portcullis.testsupport.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.auth.config.AuthProperties;
import dev.portcullis.auth.config.BoundAuthProperties;
import dev.portcullis.auth.observability.AuthMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rotation without a failed request: a new key is published {@code publish-ahead} before it signs, and the old one
 * stays published until the last token it signed has expired (15 min + 30 s skew after it stopped signing).
 */
class KeyRotationTest {

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @Test
    void publishesTheNewKeyBeforeItSignsAndKeepsTheOldOneUntilItsTokensExpire() throws Exception {
        KeyManager keys = manager();
        JWK first = keys.signingKey();
        String oldToken = sign(first);

        KeyManager.Rotation rotation = keys.rotate();
        assertThat(rotation.activatesAt()).isEqualTo(clock.instant().plus(Duration.ofMinutes(10)));
        assertThat(kids(keys.publicJwks())).containsExactlyInAnyOrder(first.getKeyID(), rotation.kid());
        assertThat(keys.signingKey().getKeyID()).isEqualTo(first.getKeyID()); // still the old one signs

        clock.advance(Duration.ofMinutes(10));
        assertThat(keys.signingKey().getKeyID()).isEqualTo(rotation.kid());
        String newToken = sign(keys.signingKey());
        // both tokens verify with the JWKS as a gateway sees it now
        assertThat(verifies(oldToken, keys.publicJwks())).isTrue();
        assertThat(verifies(newToken, keys.publicJwks())).isTrue();

        clock.advance(Duration.ofMinutes(15).plusSeconds(29)); // the old key's last token is still within skew
        assertThat(kids(keys.publicJwks())).contains(first.getKeyID());
        clock.advance(Duration.ofSeconds(1));
        assertThat(kids(keys.publicJwks())).containsExactly(rotation.kid());
        assertThat(keys.publicJwks().getKeys()).allMatch(k -> !k.isPrivate());
        assertThat(meters.counter("portcullis.auth.key.rotations").count()).isEqualTo(1);
    }

    @Test
    void refusesASecondRotationWhileOneIsPending() {
        KeyManager keys = manager();
        KeyManager.Rotation rotation = keys.rotate();
        assertThatThrownBy(keys::rotate).isInstanceOf(KeyManager.RotationPendingException.class)
                .hasMessageContaining(rotation.kid());
        clock.advance(Duration.ofMinutes(10));
        assertThat(keys.rotate().kid()).isNotEqualTo(rotation.kid());
    }

    @Test
    void anotherReplicaSeesTheRotationOnReloadAndReusesTheKeysAfterARestart() {
        KeyManager replicaA = manager();
        KeyManager replicaB = manager();
        assertThat(replicaB.signingKey().getKeyID()).isEqualTo(replicaA.signingKey().getKeyID());

        KeyManager.Rotation rotation = replicaA.rotate();
        replicaB.reload();
        assertThat(kids(replicaB.publicJwks())).contains(rotation.kid());
        clock.advance(Duration.ofMinutes(10));
        assertThat(replicaB.signingKey().getKeyID()).isEqualTo(rotation.kid());
        assertThat(manager().signingKey().getKeyID()).isEqualTo(rotation.kid());
    }

    @Test
    void rotatesOnScheduleWhenTheNewestKeyIsOlderThanThePeriod() {
        KeyManager keys = manager(Duration.ofDays(30));
        assertThat(keys.rotateIfDue()).isEmpty();
        clock.advance(Duration.ofDays(30));
        assertThat(keys.rotateIfDue()).isPresent();
        assertThat(keys.rotateIfDue()).isEmpty(); // pending: nothing more
    }

    @Test
    void refusesToStartWithoutKeysUnlessToldToGenerate() {
        AuthProperties properties = properties(false, Duration.ZERO);
        assertThatThrownBy(() -> new KeyManager(properties, clock, new AuthMetrics(meters)))
                .hasMessageContaining("portcullis.auth.keys");
    }

    @Test
    void loadsAnOperatorProvidedJwkSetFileAndRejectsWeakKeys() throws Exception {
        RSAKey provided = new com.nimbusds.jose.jwk.gen.RSAKeyGenerator(2048).keyID("ops-1").generate();
        Files.writeString(dir.resolve("signing-keys.json"), new JWKSet(provided).toString(false));
        KeyManager keys = new KeyManager(properties(false, Duration.ZERO), clock, new AuthMetrics(meters));
        assertThat(keys.signingKey().getKeyID()).isEqualTo("ops-1");

        RSAKey weak = new com.nimbusds.jose.jwk.gen.RSAKeyGenerator(1024, true).keyID("weak").generate();
        Files.writeString(dir.resolve("signing-keys.json"), new JWKSet(weak).toString(false));
        assertThatThrownBy(() -> new KeyManager(properties(false, Duration.ZERO), clock, new AuthMetrics(meters)))
                .hasMessageContaining("2048");
    }

    private KeyManager manager() {
        return manager(Duration.ZERO);
    }

    private KeyManager manager(Duration rotationPeriod) {
        return new KeyManager(properties(true, rotationPeriod), clock, new AuthMetrics(meters));
    }

    private AuthProperties properties(boolean generate, Duration rotationPeriod) {
        return BoundAuthProperties.of("keys.dir=" + dir, "keys.generate=" + generate, "keys.algorithm=RS256",
                "keys.rsa-key-size=2048", "keys.rotation-period=" + rotationPeriod);
    }

    private String sign(JWK key) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID())
                .type(new JOSEObjectType("at+jwt")).build(), new JWTClaimsSet.Builder().subject("u").build());
        jwt.sign(new RSASSASigner((RSAKey) key));
        return jwt.serialize();
    }

    private static boolean verifies(String token, JWKSet jwks) throws Exception {
        SignedJWT jwt = SignedJWT.parse(token);
        JWK key = jwks.getKeyByKeyId(jwt.getHeader().getKeyID());
        return key != null && jwt.verify(new RSASSAVerifier((RSAKey) key));
    }

    private static java.util.List<String> kids(JWKSet set) {
        return set.getKeys().stream().map(JWK::getKeyID).toList();
    }
}
