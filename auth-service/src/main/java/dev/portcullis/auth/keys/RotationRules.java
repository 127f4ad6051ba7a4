package dev.portcullis.auth.keys;

import com.nimbusds.jose.jwk.JWK;
import dev.portcullis.auth.config.AuthProperties;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * When keys are created, activated and retired; pure logic on a {@link KeyRing} and a {@link Clock}, no IO (the
 * {@link KeyManager} reads and writes the {@link KeyFile} around it). The rules:
 * <ul>
 *   <li>a rotation publishes a new key at once and lets it sign {@code publish-ahead} later, so every replica and
 *       every verifier has it before the first token it signs; it is refused while another key is still pending, so
 *       that two quick rotations never skip a key past verifiers;</li>
 *   <li>the keys signing until then stay published until their last token has expired ({@code exp} = the new key's
 *       activation + the longest token lifetime + clock skew); keys whose {@code exp} has passed leave the file;</li>
 *   <li>a rotation is due when the newest key is older than {@code rotation-period} (zero: never) and none is pending;</li>
 *   <li>a revocation removes the key at once; the ring is never left without a key that signs: when the pulled key
 *       signs now (or nothing else could sign) a fresh key signs at once, taking the pulled key's place in the
 *       schedule; the key that activates last never expires.</li>
 * </ul>
 * Key generation can take seconds on a busy machine, so the rules take a generator and read the clock after it ran:
 * the whole {@code publish-ahead} lies between publishing and signing.
 */
final class RotationRules {

    private final Duration publishAhead;
    private final Duration retirementDelay;
    private final Duration rotationPeriod;
    private final Clock clock;

    RotationRules(Duration publishAhead, Duration retirementDelay, Duration rotationPeriod, Clock clock) {
        this.publishAhead = publishAhead;
        this.retirementDelay = retirementDelay;
        this.rotationPeriod = rotationPeriod;
        this.clock = clock;
    }

    static RotationRules of(AuthProperties properties, Clock clock) {
        return new RotationRules(properties.keys().publishAhead(),
                properties.maxAccessTokenLifetime().plus(properties.clockSkew()), properties.keys().rotationPeriod(),
                clock);
    }

    /** The first key of an empty file: it signs at once and never expires. */
    KeyRing first(Supplier<JWK> generator) {
        JWK generated = generator.get();
        Instant now = clock.instant();
        return new KeyRing(List.of(SigningJwks.scheduled(generated, now, now, null)));
    }

    /** Whether the newest key is older than {@code rotation-period} and no rotation is pending. */
    boolean rotationDue(KeyRing ring) {
        if (rotationPeriod.isZero()) {
            return false;
        }
        Instant now = clock.instant();
        if (ring.pending(now).isPresent()) {
            return false;
        }
        Instant newest = ring.newest().map(k -> KeyRing.instant(k.getIssueTime(), Instant.EPOCH)).orElse(Instant.EPOCH);
        return !newest.plus(rotationPeriod).isAfter(now);
    }

    /**
     * The ring after a rotation.
     *
     * @throws KeyManager.RotationPendingException when a key is published but not signing yet
     */
    Rotated rotate(KeyRing current, Supplier<JWK> generator) {
        Instant now = clock.instant();
        Optional<JWK> pending = current.pending(now);
        if (pending.isPresent()) {
            throw new KeyManager.RotationPendingException(pending.get().getKeyID(),
                    KeyRing.instant(pending.get().getNotBeforeTime(), now));
        }
        JWK generated = generator.get();
        Instant published = clock.instant();
        Instant activatesAt = published.plus(publishAhead);
        Instant retiresAt = activatesAt.plus(retirementDelay);
        List<JWK> next = new ArrayList<>();
        for (JWK key : current.keys()) {
            if (!KeyRing.isPublished(key, published)) {
                continue; // expired long ago: drop it from the file
            }
            next.add(key.getExpirationTime() == null ? retiring(key, retiresAt) : key);
        }
        JWK fresh = SigningJwks.scheduled(generated, published, activatesAt, null);
        next.add(fresh);
        return new Rotated(new KeyRing(next), new KeyManager.Rotation(fresh.getKeyID(), activatesAt, retiresAt));
    }

    /**
     * The ring without {@code kid}.
     *
     * @throws KeyManager.UnknownKeyException when the ring holds no key with this kid
     */
    Revoked revoke(KeyRing current, String kid, Supplier<JWK> generator) {
        JWK target = current.keys().stream().filter(k -> kid.equals(k.getKeyID())).findFirst()
                .orElseThrow(() -> new KeyManager.UnknownKeyException(kid));
        Instant now = clock.instant();
        boolean wasSigning = current.signingKey(now).map(k -> k == target).orElse(false);
        List<JWK> remaining = current.keys().stream().filter(k -> k != target).toList();
        List<JWK> next = new ArrayList<>();
        String replacement = null;
        if (wasSigning || new KeyRing(remaining).signingKey(now).isEmpty()) {
            JWK generated = generator.get();
            // no publish-ahead: waiting would keep the leaked key signing
            Instant activatesAt = clock.instant();
            Instant expiresAt = wasSigning && target.getExpirationTime() != null
                    ? target.getExpirationTime().toInstant() : null;
            JWK fresh = SigningJwks.scheduled(generated, activatesAt, activatesAt, expiresAt);
            // listed first: should a remaining key share the activation second, the fresh one still signs
            next.add(fresh);
            replacement = fresh.getKeyID();
        }
        next.addAll(remaining);
        JWK last = next.stream().max(KeyRing.BY_ACTIVATION).orElseThrow();
        if (last.getExpirationTime() != null) {
            // the end of the schedule (a pulled pending key's predecessor, or a key file edited by hand)
            next.set(next.indexOf(last), SigningJwks.scheduled(last, KeyRing.instant(last.getIssueTime(), now),
                    KeyRing.instant(last.getNotBeforeTime(), now), null));
        }
        return new Revoked(new KeyRing(next), new KeyManager.Revocation(kid, replacement));
    }

    private static JWK retiring(JWK key, Instant retiresAt) {
        return SigningJwks.scheduled(key, KeyRing.instant(key.getIssueTime(), null),
                KeyRing.instant(key.getNotBeforeTime(), null), retiresAt);
    }

    /** A rotation's outcome: the ring to write and what to report. */
    record Rotated(KeyRing ring, KeyManager.Rotation rotation) {
    }

    /** A revocation's outcome: the ring to write and what to report. */
    record Revoked(KeyRing ring, KeyManager.Revocation revocation) {
    }
}
