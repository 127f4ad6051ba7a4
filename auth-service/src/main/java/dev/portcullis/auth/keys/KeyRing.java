package dev.portcullis.auth.keys;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import java.time.Instant;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.Optional;

/**
 * An immutable set of signing keys with their schedule, read from each JWK's own time parameters:
 * {@code iat} (created), {@code nbf} (may sign from then on) and {@code exp} (published until then). At any instant
 * the key that signs is the one whose {@code nbf} is the latest not in the future; every key whose {@code exp} has not
 * passed is published, so a key is visible before it signs and after it stops.
 */
public record KeyRing(List<JWK> keys) {

    static final Comparator<JWK> BY_ACTIVATION = Comparator
            .comparing((JWK k) -> instant(k.getNotBeforeTime(), Instant.EPOCH))
            .thenComparing(k -> instant(k.getIssueTime(), Instant.EPOCH));

    public KeyRing {
        keys = List.copyOf(keys);
    }

    public static KeyRing of(JWKSet set) {
        return new KeyRing(set.getKeys());
    }

    /** The key that signs at {@code now}. */
    public Optional<JWK> signingKey(Instant now) {
        return keys.stream()
                .filter(k -> !instant(k.getNotBeforeTime(), Instant.EPOCH).isAfter(now))
                .filter(k -> isPublished(k, now))
                .max(BY_ACTIVATION);
    }

    /** Keys published at {@code now}: the signer, those not yet signing, and retired ones whose tokens may live. */
    public List<JWK> published(Instant now) {
        return keys.stream().filter(k -> isPublished(k, now)).sorted(BY_ACTIVATION.reversed()).toList();
    }

    /** A key that is published but does not sign yet, if any. */
    public Optional<JWK> pending(Instant now) {
        return keys.stream().filter(k -> instant(k.getNotBeforeTime(), Instant.EPOCH).isAfter(now)).findFirst();
    }

    /** The newest key by creation (or activation) time. */
    public Optional<JWK> newest() {
        return keys.stream().max(Comparator.comparing((JWK k) -> instant(k.getIssueTime(), Instant.EPOCH))
                .thenComparing(BY_ACTIVATION));
    }

    public JWKSet toJwkSet() {
        return new JWKSet(keys);
    }

    static boolean isPublished(JWK key, Instant now) {
        return key.getExpirationTime() == null || key.getExpirationTime().toInstant().isAfter(now);
    }

    static Instant instant(Date date, Instant fallback) {
        return date == null ? fallback : date.toInstant();
    }
}
