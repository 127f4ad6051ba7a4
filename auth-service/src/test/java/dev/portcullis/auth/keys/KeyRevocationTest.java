package dev.portcullis.auth.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import dev.portcullis.auth.config.AuthProperties;
import dev.portcullis.auth.config.BoundAuthProperties;
import dev.portcullis.auth.observability.AuthMetrics;
import dev.portcullis.testsupport.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pulling a leaked key: it leaves the file (and so every replica's JWKS at its next reload) at once, without
 * publish-ahead, and the ring always keeps a key that signs.
 */
class KeyRevocationTest {

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @Test
    void pullingARetiredKeyRemovesItAndLeavesTheSigningKeyAlone() {
        KeyManager keys = manager();
        JWK retired = keys.signingKey();
        KeyManager.Rotation rotation = keys.rotate();
        clock.advance(Duration.ofMinutes(10));
        assertThat(kids(keys.publicJwks())).containsExactlyInAnyOrder(retired.getKeyID(), rotation.kid());

        KeyManager.Revocation revocation = keys.revoke(retired.getKeyID());

        assertThat(revocation.replacementKid()).isNull();
        assertThat(kids(keys.publicJwks())).containsExactly(rotation.kid());
        assertThat(keys.signingKey().getKeyID()).isEqualTo(rotation.kid());
        assertThat(meters.counter("portcullis.auth.key.revocations", "signing", "false").count()).isEqualTo(1);
    }

    @Test
    void pullingTheSigningKeyMakesAFreshKeySignAtOnce() {
        KeyManager keys = manager();
        JWK leaked = keys.signingKey();

        KeyManager.Revocation revocation = keys.revoke(leaked.getKeyID());

        assertThat(revocation.replacementKid()).isNotNull().isNotEqualTo(leaked.getKeyID());
        assertThat(keys.signingKey().getKeyID()).isEqualTo(revocation.replacementKid());
        assertThat(kids(keys.publicJwks())).containsExactly(revocation.replacementKid());
        // the fresh key is the end of the schedule: it signs on, whatever the time
        clock.advance(Duration.ofDays(400));
        assertThat(keys.signingKey().getKeyID()).isEqualTo(revocation.replacementKid());
        assertThat(meters.counter("portcullis.auth.key.revocations", "signing", "true").count()).isEqualTo(1);
    }

    @Test
    void pullingTheSigningKeyDuringARotationKeepsThePendingKeyOnItsSchedule() {
        KeyManager keys = manager();
        JWK leaked = keys.signingKey();
        KeyManager.Rotation rotation = keys.rotate();

        KeyManager.Revocation revocation = keys.revoke(leaked.getKeyID());

        assertThat(keys.signingKey().getKeyID()).isEqualTo(revocation.replacementKid());
        assertThat(kids(keys.publicJwks())).containsExactlyInAnyOrder(revocation.replacementKid(), rotation.kid());
        clock.set(rotation.activatesAt());
        assertThat(keys.signingKey().getKeyID()).isEqualTo(rotation.kid());
        // the stand-in retires as the leaked key would have: once its last token has expired
        clock.set(rotation.previousRetiresAt());
        assertThat(kids(keys.publicJwks())).containsExactly(rotation.kid());
    }

    @Test
    void pullingAPendingKeyLetsTheCurrentSignerSignOnAsBeforeTheRotation() {
        KeyManager keys = manager();
        JWK signer = keys.signingKey();
        KeyManager.Rotation rotation = keys.rotate();

        KeyManager.Revocation revocation = keys.revoke(rotation.kid());

        assertThat(revocation.replacementKid()).isNull();
        assertThat(kids(keys.publicJwks())).containsExactly(signer.getKeyID());
        // the rotation had scheduled the signer's retirement; without a successor it must not expire
        clock.set(rotation.previousRetiresAt().plus(Duration.ofDays(1)));
        assertThat(keys.signingKey().getKeyID()).isEqualTo(signer.getKeyID());
        assertThat(keys.rotate().kid()).isNotEqualTo(rotation.kid()); // nothing pending any more
    }

    @Test
    void pullingEveryKeyOneAfterAnotherNeverLeavesTheServiceWithoutASigningKey() {
        KeyManager keys = manager();
        keys.rotate();
        List<String> pulled = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String kid = keys.ring().keys().getFirst().getKeyID();
            keys.revoke(kid);
            pulled.add(kid);
            assertThat(keys.ring().signingKey(clock.instant())).isPresent();
            assertThat(kids(keys.publicJwks())).doesNotContainAnyElementsOf(pulled).isNotEmpty();
        }
        // a restart reads the same file and finds a key that signs
        assertThat(manager().signingKey().getKeyID()).isEqualTo(keys.signingKey().getKeyID());
    }

    @Test
    void anotherReplicaStopsPublishingAndSigningWithThePulledKeyAtItsNextReload() {
        KeyManager replicaA = manager();
        KeyManager replicaB = manager();
        String leaked = replicaA.signingKey().getKeyID();
        assertThat(replicaB.signingKey().getKeyID()).isEqualTo(leaked);

        KeyManager.Revocation revocation = replicaA.revoke(leaked);
        assertThat(replicaB.signingKey().getKeyID()).as("until its reload").isEqualTo(leaked);
        replicaB.reload();

        assertThat(kids(replicaB.publicJwks())).containsExactly(revocation.replacementKid());
        assertThat(replicaB.signingKey().getKeyID()).isEqualTo(revocation.replacementKid());
    }

    @Test
    void refusesAKidTheFileDoesNotHold() {
        KeyManager keys = manager();
        List<String> before = kids(keys.publicJwks());
        assertThatThrownBy(() -> keys.revoke("no-such-kid")).isInstanceOf(KeyManager.UnknownKeyException.class);
        assertThat(kids(keys.publicJwks())).isEqualTo(before);
    }

    @Test
    void parallelRevocationsOfTheSameKeyPullItOnceAndMakeOneFreshKey() throws Exception {
        KeyManager keys = manager();
        String leaked = keys.signingKey().getKeyID();
        List<Object> outcomes = inParallel(8, () -> {
            try {
                return keys.revoke(leaked);
            } catch (KeyManager.UnknownKeyException e) {
                return e;
            }
        });
        assertThat(outcomes).filteredOn(o -> o instanceof KeyManager.Revocation).hasSize(1);
        assertThat(outcomes).filteredOn(o -> o instanceof KeyManager.UnknownKeyException).hasSize(7);
        assertThat(keys.ring().keys()).hasSize(1);
        assertThat(manager().ring().keys()).extracting(JWK::getKeyID).containsExactly(keys.signingKey().getKeyID());
    }

    @Test
    void aRevocationRacingARotationLosesNeither() throws Exception {
        for (int round = 0; round < 5; round++) {
            KeyManager keys = manager();
            clock.advance(Duration.ofDays(1)); // past any earlier round's pending key
            keys.reload();
            String leaked = keys.signingKey().getKeyID();
            List<Object> outcomes = inParallel(2, new Callable<>() {
                private final java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();

                @Override
                public Object call() {
                    return calls.getAndIncrement() == 0 ? keys.revoke(leaked) : keys.rotate();
                }
            });
            KeyManager.Rotation rotation = outcomes.stream().filter(KeyManager.Rotation.class::isInstance)
                    .map(KeyManager.Rotation.class::cast).findFirst().orElseThrow();
            KeyManager restarted = manager();
            assertThat(kids(restarted.publicJwks())).doesNotContain(leaked).contains(rotation.kid());
            assertThat(restarted.signingKey().getKeyID()).isNotEqualTo(leaked);
            clock.set(rotation.activatesAt());
            assertThat(restarted.signingKey().getKeyID()).isEqualTo(rotation.kid());
        }
    }

    private static List<Object> inParallel(int threads, Callable<Object> task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Object>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return task.call();
                }));
            }
            start.countDown();
            List<Object> outcomes = new ArrayList<>();
            for (Future<Object> future : futures) {
                outcomes.add(future.get(60, TimeUnit.SECONDS));
            }
            return outcomes;
        } finally {
            pool.shutdownNow();
        }
    }

    private KeyManager manager() {
        AuthProperties properties = BoundAuthProperties.of("keys.dir=" + dir, "keys.generate=true",
                "keys.algorithm=RS256", "keys.rsa-key-size=2048", "keys.rotation-period=0s");
        return new KeyManager(properties, clock, new AuthMetrics(meters));
    }

    private static List<String> kids(JWKSet set) {
        return set.getKeys().stream().map(JWK::getKeyID).toList();
    }
}
