package dev.portcullis.auth.mfa;

import dev.portcullis.auth.config.AuthProperties;
import dev.portcullis.auth.config.SecureRandoms;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts TOTP secrets at rest with AES-256-GCM: a fresh 96-bit nonce per value, the subject as associated data
 * (a secret copied to another account's record does not decrypt). The key comes from
 * {@code portcullis.auth.mfa.encryption-key} ({@code AUTH_MFA_ENCRYPTION_KEY}, base64 of 32 bytes); the local profile
 * generates one into the keys directory on first start.
 */
public final class SecretCipher {

    static final String KEY_FILE = "mfa-encryption.key";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKey key;

    SecretCipher(byte[] key) {
        if (key.length != 32) {
            throw new IllegalArgumentException("portcullis.auth.mfa.encryption-key must be 32 bytes (base64), was "
                    + key.length);
        }
        this.key = new SecretKeySpec(key, "AES");
    }

    /** Reads the configured key, or generates/reuses the local one; fails naming the key when neither is possible. */
    static SecretCipher fromConfig(AuthProperties properties) {
        AuthProperties.Mfa mfa = properties.mfa();
        if (mfa.encryptionKey() != null) {
            try {
                return new SecretCipher(Base64.getDecoder().decode(mfa.encryptionKey()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("portcullis.auth.mfa.encryption-key must be base64 of 32 bytes", e);
            }
        }
        if (!mfa.generateEncryptionKey()) {
            throw new IllegalStateException("portcullis.auth.mfa.encryption-key (AUTH_MFA_ENCRYPTION_KEY) is required: "
                    + "base64 of 32 random bytes, e.g. `openssl rand -base64 32`");
        }
        Path file = Path.of(properties.keys().dir()).toAbsolutePath().resolve(KEY_FILE);
        try {
            if (!Files.exists(file)) {
                Files.createDirectories(file.getParent());
                Files.writeString(file, Base64.getEncoder().encodeToString(SecureRandoms.bytes(32)), StandardCharsets.US_ASCII);
                try {
                    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
                } catch (UnsupportedOperationException ignored) {
                    // not POSIX
                }
            }
            return new SecretCipher(Base64.getDecoder().decode(Files.readString(file, StandardCharsets.US_ASCII).trim()));
        } catch (IOException e) {
            throw new UncheckedIOException("portcullis.auth.mfa.generate-encryption-key: cannot use " + file, e);
        }
    }

    public String encrypt(byte[] plaintext, String subject) {
        byte[] nonce = SecureRandoms.bytes(NONCE_BYTES);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(subject.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(plaintext);
            return Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(ByteBuffer.allocate(nonce.length + sealed.length).put(nonce).put(sealed).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot encrypt", e);
        }
    }

    public byte[] decrypt(String ciphertext, String subject) {
        byte[] all = Base64.getUrlDecoder().decode(ciphertext);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, all, 0, NONCE_BYTES));
            cipher.updateAAD(subject.getBytes(StandardCharsets.UTF_8));
            return cipher.doFinal(all, NONCE_BYTES, all.length - NONCE_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot decrypt the TOTP secret (wrong encryption key?)", e);
        }
    }
}
