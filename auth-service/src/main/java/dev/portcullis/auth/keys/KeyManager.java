package dev.portcullis.auth.keys;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import dev.portcullis.auth.config.AuthProperties;
import dev.portcullis.auth.config.SecureRandoms;
import dev.portcullis.auth.observability.AuthMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the signing keys. The key set lives in one file, {@code <dir>/signing-keys.json} (a JWK set with private keys
 * and each key's {@code iat}/{@code nbf}/{@code exp}), which every replica reads: replicas share it through a common
 * volume or secret, and re-read it every {@code reload-interval}. A rotation (admin endpoint or schedule) rewrites the
 * file atomically under a file lock; because the new key's {@code nbf} lies {@code publish-ahead} in the future, every
 * replica publishes it before any replica signs with it. The retired key keeps its place in the JWKS until every token
 * it signed has expired ({@code exp} = new key's {@code nbf} + longest token lifetime + clock skew). A revocation
 * (a leaked key) removes a key from the file at once, through the same lock and atomic replace; it leaves every
 * replica's JWKS at that replica's next reload.
 *
 * <p>All methods here do file IO or key generation: callers on an event loop must hop to boundedElastic.
 */
public final class KeyManager {

    private static final Logger log = LoggerFactory.getLogger(KeyManager.class);
    static final String FILE_NAME = "signing-keys.json";

    private final AuthProperties.Keys config;
    private final Duration retirementDelay;
    private final Clock clock;
    private final AuthMetrics metrics;
    private final Path file;
    private volatile KeyRing ring;
    private volatile FileTime loadedModified;

    public KeyManager(AuthProperties properties, Clock clock, AuthMetrics metrics) {
        this.config = properties.keys();
        this.retirementDelay = properties.maxAccessTokenLifetime().plus(properties.clockSkew());
        this.clock = clock;
        this.metrics = metrics;
        this.file = Path.of(config.dir()).toAbsolutePath().resolve(FILE_NAME);
        initialise();
    }

    private void initialise() {
        if (Files.exists(file)) {
            reload();
        } else if (config.generate()) {
            withLock(() -> {
                if (!Files.exists(file)) {
                    JWK first = generate(clock.instant(), clock.instant());
                    write(new KeyRing(List.of(first)));
                    log.atInfo().addKeyValue("kid", first.getKeyID()).addKeyValue("file", file.toString())
                            .log("Generated the first signing key");
                }
                return null;
            });
            reload();
        } else {
            throw new IllegalStateException("No signing keys at " + file + ": provide portcullis.auth.keys.dir "
                    + "(AUTH_KEYS_DIR) holding " + FILE_NAME + ", or set portcullis.auth.keys.generate=true");
        }
        if (ring.signingKey(clock.instant()).isEmpty()) {
            throw new IllegalStateException("portcullis.auth.keys.dir: " + file + " has no key that may sign now");
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
        List<JWK> published = ring.published(clock.instant()).stream().map(KeyManager::publicOnly).toList();
        return new JWKSet(published);
    }

    /** Re-reads the file when it changed (another replica rotated, or an operator replaced it). */
    public synchronized void reload() {
        try {
            FileTime modified = Files.getLastModifiedTime(file);
            if (ring != null && modified.equals(loadedModified)) {
                return;
            }
            KeyRing loaded = read();
            validate(loaded);
            ring = loaded;
            loadedModified = modified;
            log.atInfo().addKeyValue("keys", loaded.keys().stream().map(JWK::getKeyID).toList()).log("Loaded signing keys");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /**
     * Starts a rotation: a new key that signs from {@code now + publish-ahead}; the keys signing until then are
     * scheduled to leave the JWKS once their last token has expired. Refused while another key is still pending, so
     * that two quick calls never skip a key past verifiers.
     */
    public synchronized Rotation rotate() {
        Rotation rotation = withLock(() -> {
            KeyRing current = read();
            Instant now = clock.instant();
            Optional<JWK> pending = current.pending(now);
            if (pending.isPresent()) {
                throw new RotationPendingException(pending.get().getKeyID(),
                        KeyRing.instant(pending.get().getNotBeforeTime(), now));
            }
            // Generating a key can take seconds on a busy machine: the schedule starts once the key exists, so the
            // whole publish-ahead lies between publishing and signing.
            JWK generated = generate(now, now);
            Instant published = clock.instant();
            Instant activatesAt = published.plus(config.publishAhead());
            Instant retiresAt = activatesAt.plus(retirementDelay);
            List<JWK> next = new ArrayList<>();
            for (JWK key : current.keys()) {
                if (!KeyRing.isPublished(key, published)) {
                    continue; // expired long ago: drop it from the file
                }
                next.add(key.getExpirationTime() == null ? withExpiry(key, retiresAt) : key);
            }
            JWK fresh = rescheduled(generated, published, activatesAt);
            next.add(fresh);
            write(new KeyRing(next));
            return new Rotation(fresh.getKeyID(), activatesAt, retiresAt);
        });
        loadedModified = null;
        reload();
        metrics.keyRotated();
        log.atInfo().addKeyValue("kid", rotation.kid()).addKeyValue("activatesAt", rotation.activatesAt())
                .addKeyValue("previousRetiresAt", rotation.previousRetiresAt()).log("Signing key rotation started");
        return rotation;
    }

    /**
     * Pulls a key at once (it leaked): removes it from the file, so the JWKS of this replica stops listing it now and
     * every other replica's after its next reload ({@code reload-interval}). Written under the same file lock and by
     * the same atomic replace as {@link #rotate()}, from the file as it is now, so a concurrent rotation or another
     * replica's revocation is never lost. The ring is never left without a key that signs:
     * <ul>
     *   <li>when the pulled key is the one signing now, a fresh key signs at once (no publish-ahead: waiting would
     *       keep the leaked key signing) and takes its place in the schedule (its {@code exp}, if a rotation is
     *       pending);</li>
     *   <li>the key that activates last never expires, so pulling a pending key lets the current signer sign on, as
     *       before that rotation started.</li>
     * </ul>
     *
     * @throws UnknownKeyException when the file holds no key with this kid
     */
    public synchronized Revocation revoke(String kid) {
        Revocation revocation = withLock(() -> {
            KeyRing current = read();
            JWK target = current.keys().stream().filter(k -> kid.equals(k.getKeyID())).findFirst()
                    .orElseThrow(() -> new UnknownKeyException(kid));
            Instant now = clock.instant();
            boolean wasSigning = current.signingKey(now).map(k -> k == target).orElse(false);
            List<JWK> next = new ArrayList<>();
            String replacement = null;
            if (wasSigning || new KeyRing(without(current.keys(), target)).signingKey(now).isEmpty()) {
                JWK generated = generate(now, now);
                Instant activatesAt = clock.instant();
                JWK fresh = withSchedule(generated, activatesAt, activatesAt,
                        wasSigning ? target.getExpirationTime() : null);
                // listed first: should a remaining key share the activation second, the fresh one still signs
                next.add(fresh);
                replacement = fresh.getKeyID();
            }
            next.addAll(without(current.keys(), target));
            JWK last = next.stream().max(KeyRing.BY_ACTIVATION).orElseThrow();
            if (last.getExpirationTime() != null) {
                // the end of the schedule (a pulled pending key's predecessor, or a key file edited by hand)
                next.set(next.indexOf(last), withSchedule(last, KeyRing.instant(last.getIssueTime(), now),
                        KeyRing.instant(last.getNotBeforeTime(), now), null));
            }
            write(new KeyRing(next));
            return new Revocation(kid, replacement);
        });
        loadedModified = null;
        reload();
        metrics.keyRevoked(revocation.replacementKid() != null);
        return revocation;
    }

    /** Rotates when the newest key is older than {@code rotation-period} and none is pending (scheduled rotation). */
    public synchronized Optional<Rotation> rotateIfDue() {
        if (config.rotationPeriod().isZero()) {
            return Optional.empty();
        }
        reload();
        Instant now = clock.instant();
        if (ring.pending(now).isPresent()) {
            return Optional.empty();
        }
        Instant newest = ring.newest().map(k -> KeyRing.instant(k.getIssueTime(), Instant.EPOCH)).orElse(Instant.EPOCH);
        if (newest.plus(config.rotationPeriod()).isAfter(now)) {
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

    private JWK generate(Instant createdAt, Instant activatesAt) {
        String kid = SecureRandoms.base64Url(12);
        try {
            if ("ES256".equals(config.algorithm())) {
                return new ECKeyGenerator(Curve.P_256).keyID(kid).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.ES256)
                        .issueTime(Date.from(createdAt)).notBeforeTime(Date.from(activatesAt)).generate();
            }
            return new RSAKeyGenerator(config.rsaKeySize()).keyID(kid).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.RS256)
                    .issueTime(Date.from(createdAt)).notBeforeTime(Date.from(activatesAt)).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot generate a signing key", e);
        }
    }

    private static JWK rescheduled(JWK key, Instant createdAt, Instant activatesAt) {
        if (key instanceof RSAKey rsa) {
            return new RSAKey.Builder(rsa).issueTime(Date.from(createdAt)).notBeforeTime(Date.from(activatesAt)).build();
        }
        if (key instanceof ECKey ec) {
            return new ECKey.Builder(ec).issueTime(Date.from(createdAt)).notBeforeTime(Date.from(activatesAt)).build();
        }
        throw new IllegalStateException("unsupported key type " + key.getKeyType());
    }

    private static JWK withSchedule(JWK key, Instant createdAt, Instant activatesAt, Date expiresAt) {
        if (key instanceof RSAKey rsa) {
            return new RSAKey.Builder(rsa).issueTime(Date.from(createdAt)).notBeforeTime(Date.from(activatesAt))
                    .expirationTime(expiresAt).build();
        }
        if (key instanceof ECKey ec) {
            return new ECKey.Builder(ec).issueTime(Date.from(createdAt)).notBeforeTime(Date.from(activatesAt))
                    .expirationTime(expiresAt).build();
        }
        throw new IllegalStateException("unsupported key type " + key.getKeyType());
    }

    private static List<JWK> without(List<JWK> keys, JWK removed) {
        return keys.stream().filter(k -> k != removed).toList();
    }

    private static JWK withExpiry(JWK key, Instant expiresAt) {
        if (key instanceof RSAKey rsa) {
            return new RSAKey.Builder(rsa).expirationTime(Date.from(expiresAt)).build();
        }
        if (key instanceof ECKey ec) {
            return new ECKey.Builder(ec).expirationTime(Date.from(expiresAt)).build();
        }
        throw new IllegalStateException("unsupported key type " + key.getKeyType());
    }

    private static JWK publicOnly(JWK key) {
        try {
            if (key instanceof RSAKey rsa) {
                return new RSAKey.Builder(rsa.toRSAPublicKey()).keyID(rsa.getKeyID()).keyUse(KeyUse.SIGNATURE)
                        .algorithm(rsa.getAlgorithm() != null ? rsa.getAlgorithm() : JWSAlgorithm.RS256).build();
            }
            if (key instanceof ECKey ec) {
                return new ECKey.Builder(ec.getCurve(), ec.toECPublicKey()).keyID(ec.getKeyID()).keyUse(KeyUse.SIGNATURE)
                        .algorithm(ec.getAlgorithm() != null ? ec.getAlgorithm() : JWSAlgorithm.ES256).build();
            }
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        throw new IllegalStateException("unsupported key type " + key.getKeyType());
    }

    private void validate(KeyRing loaded) {
        for (JWK key : loaded.keys()) {
            if (key.getKeyID() == null || key.getKeyID().isBlank()) {
                throw new IllegalStateException("portcullis.auth.keys.dir: every key in " + file + " needs a kid");
            }
            if (!key.isPrivate()) {
                throw new IllegalStateException("portcullis.auth.keys.dir: key " + key.getKeyID() + " has no private part");
            }
            if (key instanceof RSAKey rsa && rsa.size() < 2048) {
                throw new IllegalStateException("portcullis.auth.keys.dir: RSA key " + key.getKeyID() + " is shorter than 2048 bits");
            }
            if (!(key instanceof RSAKey) && !(key instanceof ECKey ec && Curve.P_256.equals(ec.getCurve()))) {
                throw new IllegalStateException("portcullis.auth.keys.dir: key " + key.getKeyID() + " must be RSA or EC P-256");
            }
        }
    }

    private KeyRing read() throws IOException {
        try {
            return KeyRing.of(JWKSet.parse(Files.readString(file, StandardCharsets.UTF_8)));
        } catch (ParseException e) {
            throw new IllegalStateException("portcullis.auth.keys.dir: " + file + " is not a JWK set: " + e.getMessage());
        }
    }

    private void write(KeyRing next) {
        try {
            Files.createDirectories(file.getParent());
            Path temp = Files.createTempFile(file.getParent(), ".signing-keys", ".tmp");
            restrictToOwner(temp);
            Files.writeString(temp, next.toJwkSet().toString(false), StandardCharsets.UTF_8);
            try {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static void restrictToOwner(Path path) {
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException | IOException ignored) {
            // not a POSIX file system: the directory's own permissions have to do
        }
    }

    private <T> T withLock(IoAction<T> action) {
        try {
            Files.createDirectories(file.getParent());
            Path lockFile = file.resolveSibling(".signing-keys.lock");
            try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = channel.lock()) {
                return action.run();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock " + file.getParent(), e);
        }
    }

    @FunctionalInterface
    private interface IoAction<T> {
        T run() throws IOException;
    }
}
