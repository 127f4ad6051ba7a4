package dev.portcullis.auth.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.JWK;
import dev.portcullis.testsupport.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The schedule alone, on a moving clock: no file, no Spring. */
class RotationRulesTest {

    private static final Duration PUBLISH_AHEAD = Duration.ofMinutes(10);
    private static final Duration RETIREMENT_DELAY = Duration.ofMinutes(15).plusSeconds(30);
    private static final Duration ROTATION_PERIOD = Duration.ofDays(30);

    private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
    private final RotationRules rules = new RotationRules(PUBLISH_AHEAD, RETIREMENT_DELAY, ROTATION_PERIOD, clock);
    private final Supplier<JWK> generator = () -> SigningJwks.generate("ES256", 0);

    @Test
    void theFirstKeySignsAtOnceAndNeverExpires() {
        KeyRing ring = rules.first(generator);
        JWK first = ring.keys().getFirst();
        assertThat(ring.signingKey(clock.instant())).containsSame(first);
        assertThat(first.getNotBeforeTime().toInstant()).isEqualTo(clock.instant());
        assertThat(first.getExpirationTime()).isNull();
    }

    @Test
    void aRotationPublishesTheNewKeyNowAndLetsItSignAfterPublishAhead() {
        KeyRing ring = rules.first(generator);
        JWK first = ring.keys().getFirst();
        RotationRules.Rotated rotated = rules.rotate(ring, generator);

        assertThat(rotated.rotation().activatesAt()).isEqualTo(clock.instant().plus(PUBLISH_AHEAD));
        assertThat(kids(rotated.ring().published(clock.instant()))).containsExactlyInAnyOrder(first.getKeyID(),
                rotated.rotation().kid());
        assertThat(rotated.ring().signingKey(clock.instant()).orElseThrow().getKeyID()).isEqualTo(first.getKeyID());
        clock.advance(PUBLISH_AHEAD.minusSeconds(1));
        assertThat(rotated.ring().signingKey(clock.instant()).orElseThrow().getKeyID()).isEqualTo(first.getKeyID());
        clock.advance(Duration.ofSeconds(1));
        assertThat(rotated.ring().signingKey(clock.instant()).orElseThrow().getKeyID())
                .isEqualTo(rotated.rotation().kid());
    }

    @Test
    void theOldKeyStaysPublishedUntilItsLastTokenHasExpired() {
        KeyRing ring = rules.first(generator);
        String first = ring.keys().getFirst().getKeyID();
        RotationRules.Rotated rotated = rules.rotate(ring, generator);
        Instant retiresAt = rotated.rotation().activatesAt().plus(RETIREMENT_DELAY);
        assertThat(rotated.rotation().previousRetiresAt()).isEqualTo(retiresAt);

        clock.set(retiresAt.minusMillis(1));
        assertThat(kids(rotated.ring().published(clock.instant()))).contains(first);
        clock.set(retiresAt);
        assertThat(kids(rotated.ring().published(clock.instant()))).containsExactly(rotated.rotation().kid());
    }

    @Test
    void theScheduleStartsOnceTheKeyExistsHoweverLongGeneratingItTook() {
        KeyRing ring = rules.first(generator);
        Duration slowGeneration = Duration.ofSeconds(7);
        RotationRules.Rotated rotated = rules.rotate(ring, () -> {
            clock.advance(slowGeneration);
            return generator.get();
        });
        Instant generatedAt = Instant.parse("2030-01-01T00:00:00Z").plus(slowGeneration);
        assertThat(rotated.rotation().activatesAt()).isEqualTo(generatedAt.plus(PUBLISH_AHEAD));
        JWK fresh = rotated.ring().keys().stream().filter(k -> k.getKeyID().equals(rotated.rotation().kid()))
                .findFirst().orElseThrow();
        assertThat(fresh.getIssueTime().toInstant()).isEqualTo(generatedAt);
    }

    @Test
    void refusesASecondRotationWhileOneIsPendingWithoutGeneratingAKey() {
        RotationRules.Rotated rotated = rules.rotate(rules.first(generator), generator);
        assertThatThrownBy(() -> rules.rotate(rotated.ring(), () -> {
            throw new AssertionError("no key may be generated for a refused rotation");
        })).isInstanceOf(KeyManager.RotationPendingException.class).hasMessageContaining(rotated.rotation().kid());

        clock.advance(PUBLISH_AHEAD);
        assertThat(rules.rotate(rotated.ring(), generator).rotation().kid()).isNotEqualTo(rotated.rotation().kid());
    }

    @Test
    void aRotationDropsKeysWhoseTokensHaveAllExpired() {
        KeyRing first = rules.first(generator);
        String oldest = first.keys().getFirst().getKeyID();
        KeyRing second = rules.rotate(first, generator).ring();
        clock.advance(PUBLISH_AHEAD.plus(RETIREMENT_DELAY));
        KeyRing third = rules.rotate(second, generator).ring();
        assertThat(kids(third.keys())).hasSize(2).doesNotContain(oldest);
    }

    @Test
    void aRotationIsDueOnceTheNewestKeyIsOlderThanThePeriodAndNonePending() {
        KeyRing ring = rules.first(generator);
        clock.advance(ROTATION_PERIOD.minusSeconds(1));
        assertThat(rules.rotationDue(ring)).isFalse();
        clock.advance(Duration.ofSeconds(1));
        assertThat(rules.rotationDue(ring)).isTrue();

        KeyRing rotated = rules.rotate(ring, generator).ring();
        assertThat(rules.rotationDue(rotated)).as("just rotated").isFalse();
        clock.advance(ROTATION_PERIOD);
        assertThat(rules.rotationDue(rotated)).isTrue();
    }

    @Test
    void aPendingKeyHoldsOffTheScheduledRotationAndAZeroPeriodNeverRotates() {
        KeyRing ring = rules.first(generator);
        RotationRules shortPeriod = new RotationRules(PUBLISH_AHEAD, RETIREMENT_DELAY, Duration.ofMinutes(1), clock);
        KeyRing pending = shortPeriod.rotate(ring, generator).ring();
        clock.advance(Duration.ofMinutes(5));
        assertThat(shortPeriod.rotationDue(pending)).isFalse();

        RotationRules never = new RotationRules(PUBLISH_AHEAD, RETIREMENT_DELAY, Duration.ZERO, clock);
        clock.advance(Duration.ofDays(3650));
        assertThat(never.rotationDue(ring)).isFalse();
    }

    @Test
    void pullingTheSigningKeyLetsAFreshKeySignAtOnce() {
        KeyRing ring = rules.first(generator);
        String leaked = ring.keys().getFirst().getKeyID();
        RotationRules.Revoked revoked = rules.revoke(ring, leaked, generator);

        assertThat(revoked.revocation().kid()).isEqualTo(leaked);
        assertThat(revoked.revocation().replacementKid()).isNotNull().isNotEqualTo(leaked);
        assertThat(kids(revoked.ring().keys())).containsExactly(revoked.revocation().replacementKid());
        assertThat(revoked.ring().signingKey(clock.instant()).orElseThrow().getKeyID())
                .isEqualTo(revoked.revocation().replacementKid());
    }

    @Test
    void pullingASigningKeyWithARotationPendingKeepsTheScheduleOfThePulledKey() {
        RotationRules.Rotated rotated = rules.rotate(rules.first(generator), generator);
        String leaked = rotated.ring().signingKey(clock.instant()).orElseThrow().getKeyID();
        RotationRules.Revoked revoked = rules.revoke(rotated.ring(), leaked, generator);

        JWK replacement = revoked.ring().signingKey(clock.instant()).orElseThrow();
        assertThat(replacement.getKeyID()).isEqualTo(revoked.revocation().replacementKid());
        assertThat(replacement.getExpirationTime().toInstant()).as("the pulled key's retirement")
                .isEqualTo(rotated.rotation().previousRetiresAt());
        clock.set(rotated.rotation().activatesAt());
        assertThat(revoked.ring().signingKey(clock.instant()).orElseThrow().getKeyID())
                .as("the pending key still takes over on time").isEqualTo(rotated.rotation().kid());
    }

    @Test
    void pullingAPendingKeyLetsTheCurrentSignerSignOnForGood() {
        KeyRing ring = rules.first(generator);
        String signer = ring.keys().getFirst().getKeyID();
        RotationRules.Rotated rotated = rules.rotate(ring, generator);
        RotationRules.Revoked revoked = rules.revoke(rotated.ring(), rotated.rotation().kid(), () -> {
            throw new AssertionError("a signer remains: no fresh key needed");
        });

        assertThat(revoked.revocation().replacementKid()).isNull();
        assertThat(kids(revoked.ring().keys())).containsExactly(signer);
        assertThat(revoked.ring().keys().getFirst().getExpirationTime()).as("end of the schedule again").isNull();
        clock.advance(Duration.ofDays(365));
        assertThat(revoked.ring().signingKey(clock.instant()).orElseThrow().getKeyID()).isEqualTo(signer);
    }

    @Test
    void pullingARetiredKeyChangesNothingElse() {
        KeyRing ring = rules.first(generator);
        String retired = ring.keys().getFirst().getKeyID();
        RotationRules.Rotated rotated = rules.rotate(ring, generator);
        clock.set(rotated.rotation().activatesAt());
        RotationRules.Revoked revoked = rules.revoke(rotated.ring(), retired, () -> {
            throw new AssertionError("the signer is untouched: no fresh key needed");
        });
        assertThat(revoked.revocation().replacementKid()).isNull();
        assertThat(kids(revoked.ring().keys())).containsExactly(rotated.rotation().kid());
    }

    @Test
    void pullingAnUnknownKidIsRefused() {
        assertThatThrownBy(() -> rules.revoke(rules.first(generator), "no-such-kid", generator))
                .isInstanceOf(KeyManager.UnknownKeyException.class).hasMessageContaining("no-such-kid");
    }

    private static List<String> kids(List<JWK> keys) {
        return keys.stream().map(JWK::getKeyID).toList();
    }
}
