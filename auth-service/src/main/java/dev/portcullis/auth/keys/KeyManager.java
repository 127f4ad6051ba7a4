package dev.portcullis.auth.keys;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import dev.portcullis.auth.config.AuthProperties;
import dev.portcullis.auth.observability.AuthMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the signing keys: the {@link KeyFile} every replica reads (replicas share it through a common volume or
 * secret, and re-read it every {@code reload-interval}), the {@link RotationRules} that decide what a rotation or a
 * revocation writes, and the ring loaded now. A rotation (admin endpoint or schedule) or a revocation (a leaked key)
 * reads the file under its lock, applies the rules and replaces the file atomically, so a concurrent change by another
 * replica is never lost; a revocation leaves every other replica's JWKS at that replica's next reload.
 *
 * <p>All methods here do file IO or key generation: callers on an event loop must hop to boundedElastic.
 */
public final class KeyManager {

    private static final Logger log = LoggerFactory.getLogger(KeyManager.class);

    private final AuthProperties.Keys config;
    private final RotationRules rules;
    private final Clock clock;
    private final AuthMetrics metrics;
    private final KeyFile file;
    private final Supplier<JWK> generator;
    private volatile KeyRing ring;
    private volatile FileTime loadedModified;

    public KeyManager(AuthProperties properties, Clock clock, AuthMetrics metrics) {
        this.config = properties.keys();
        this.rules = RotationRules.of(properties, clock);
        this.clock = clock;
        this.metrics = metrics;
        this.file = new KeyFile(Path.of(config.dir()));
        this.generator = () -> SigningJwks.generate(config.algorithm(), config.rsaKeySize());
        initialise();
    }

    private void initialise() {
        if (file.exists()) {
            reload();
        } else if (config.generate()) {
            file.locked(() -> {
                if (!file.exists()) {
                    KeyRing first = rules.first(generator);
                    file.write(first);
                    log.atInfo().addKeyValue("kid", first.keys().getFirst().getKeyID())
                            .addKeyValue("file", file.path().toString()).log("Generated the first signing key");
                }
                return null;
            });
            reload();
        } else {
            throw new IllegalStateException("No signing keys at " + file.path() + ": provide portcullis.auth.keys.dir "
                    + "(AUTH_KEYS_DIR) holding " + KeyFile.FILE_NAME + ", or set portcullis.auth.keys.generate=true");
        }
        if (ring.signingKey(clock.instant()).isEmpty()) {
            throw new IllegalStateException("portcullis.auth.keys.dir: " + file.path() + " has no key that may sign now");
        }
    }

    /** The current key set. */
    public KeyRing ring() {
        return ring;
    }

    /** The key that signs now. */
    public JWK signingKey() {
        return ring.signingKey(clock.instant())
                .orElseThrow(() -> new IllegalStateException("no signing key is active"));
    }

    /** Public keys published now. Schedule parameters are left out: verifiers need none of them. */
    public JWKSet publicJwks() {
        List<JWK> published = ring.published(clock.instant()).stream().map(SigningJwks::publicOnly).toList();
        return new JWKSet(published);
    }

    /** Re-reads the file when it changed (another replica rotated, or an operator replaced it). */
    public synchronized void reload() {
        try {
            FileTime modified = file.lastModified();
            if (ring != null && modified.equals(loadedModified)) {
                return;
            }
            KeyRing loaded = file.read();
            ring = loaded;
            loadedModified = modified;
            log.atInfo().addKeyValue("keys", loaded.keys().stream().map(JWK::getKeyID).toList()).log("Loaded signing keys");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file.path(), e);
        }
    }

    /**
     * Starts a rotation ({@link RotationRules#rotate}): a new key that signs from {@code now + publish-ahead}.
     *
     * @throws RotationPendingException while the previous rotation's key does not sign yet
     */
    public synchronized Rotation rotate() {
        Rotation rotation = file.locked(() -> {
            RotationRules.Rotated rotated = rules.rotate(file.read(), generator);
            file.write(rotated.ring());
            return rotated.rotation();
        });
        loadedModified = null;
        reload();
        metrics.keyRotated();
        log.atInfo().addKeyValue("kid", rotation.kid()).addKeyValue("activatesAt", rotation.activatesAt())
                .addKeyValue("previousRetiresAt", rotation.previousRetiresAt()).log("Signing key rotation started");
        return rotation;
    }

    /**
     * Pulls a key at once (it leaked; {@link RotationRules#revoke}): this replica's JWKS stops listing it now, every
     * other replica's after its next reload ({@code reload-interval}).
     *
     * @throws UnknownKeyException when the file holds no key with this kid
     */
    public synchronized Revocation revoke(String kid) {
        Revocation revocation = file.locked(() -> {
            RotationRules.Revoked revoked = rules.revoke(file.read(), kid, generator);
            file.write(revoked.ring());
            return revoked.revocation();
        });
        loadedModified = null;
        reload();
        metrics.keyRevoked(revocation.replacementKid() != null);
        return revocation;
    }

    /** Rotates when {@link RotationRules#rotationDue} says so (scheduled rotation). */
    public synchronized Optional<Rotation> rotateIfDue() {
        if (config.rotationPeriod().isZero()) {
            return Optional.empty();
        }
        reload();
        if (!rules.rotationDue(ring)) {
            return Optional.empty();
        }
        try {
            return Optional.of(rotate());
        } catch (RotationPendingException e) {
            return Optional.empty(); // another replica won the race
        }
    }

    public Duration reloadInterval() {
        return config.reloadInterval();
    }

    /** The outcome of {@link #rotate()}. */
    public record Rotation(String kid, Instant activatesAt, Instant previousRetiresAt) {
    }

    /** The outcome of {@link #revoke(String)}: the pulled kid and, when it was signing, the kid that signs now. */
    public record Revocation(String kid, String replacementKid) {
    }

    /** Thrown when {@link #revoke(String)} names a kid the key file does not hold. */
    public static final class UnknownKeyException extends RuntimeException {
        UnknownKeyException(String kid) {
            super("no signing key with kid " + kid);
        }
    }

    /** Thrown when a rotation is asked for while the previous one has not activated yet. */
    public static final class RotationPendingException extends RuntimeException {
        private final String kid;
        private final Instant activatesAt;

        RotationPendingException(String kid, Instant activatesAt) {
            super("key " + kid + " is published and activates at " + activatesAt);
            this.kid = kid;
            this.activatesAt = activatesAt;
        }

        public String kid() {
            return kid;
        }

        public Instant activatesAt() {
            return activatesAt;
        }
    }
}
