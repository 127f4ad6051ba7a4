package dev.portcullis.auth.keys;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
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

/**
 * The key set on disk: {@code <dir>/signing-keys.json}, a JWK set with private keys and each key's schedule, shared by
 * every replica. Writes are atomic (a temporary file moved over the old one, readable by the owner only), so a reader
 * never sees half a file; read-modify-write cycles run under {@link #locked} (a file lock next to it), so two replicas
 * rotating or revoking at once never lose each other's change. Every method does file IO.
 */
final class KeyFile {

    static final String FILE_NAME = "signing-keys.json";
    private static final String KEY = "portcullis.auth.keys.dir";

    private final Path file;

    KeyFile(Path dir) {
        this.file = dir.toAbsolutePath().resolve(FILE_NAME);
    }

    Path path() {
        return file;
    }

    boolean exists() {
        return Files.exists(file);
    }

    FileTime lastModified() throws IOException {
        return Files.getLastModifiedTime(file);
    }

    /** The keys as written, checked: a kid, a private part, RSA of 2048 bits or more, or EC P-256. */
    KeyRing read() throws IOException {
        KeyRing ring;
        try {
            ring = KeyRing.of(JWKSet.parse(Files.readString(file, StandardCharsets.UTF_8)));
        } catch (ParseException e) {
            throw new IllegalStateException(KEY + ": " + file + " is not a JWK set: " + e.getMessage());
        }
        validate(ring);
        return ring;
    }

    void write(KeyRing next) {
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

    /** Runs {@code action} holding the file lock that every replica's writes take. */
    <T> T locked(IoAction<T> action) {
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

    private void validate(KeyRing loaded) {
        for (JWK key : loaded.keys()) {
            if (key.getKeyID() == null || key.getKeyID().isBlank()) {
                throw new IllegalStateException(KEY + ": every key in " + file + " needs a kid");
            }
            if (!key.isPrivate()) {
                throw new IllegalStateException(KEY + ": key " + key.getKeyID() + " has no private part");
            }
            if (key instanceof RSAKey rsa && rsa.size() < 2048) {
                throw new IllegalStateException(KEY + ": RSA key " + key.getKeyID() + " is shorter than 2048 bits");
            }
            if (!(key instanceof RSAKey) && !(key instanceof ECKey ec && Curve.P_256.equals(ec.getCurve()))) {
                throw new IllegalStateException(KEY + ": key " + key.getKeyID() + " must be RSA or EC P-256");
            }
        }
    }

    private static void restrictToOwner(Path path) {
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException | IOException ignored) {
            // not a POSIX file system: the directory's own permissions have to do
        }
    }

    @FunctionalInterface
    interface IoAction<T> {
        T run() throws IOException;
    }
}
