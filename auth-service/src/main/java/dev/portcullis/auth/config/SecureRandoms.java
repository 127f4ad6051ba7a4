package dev.portcullis.auth.config;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.UUID;

/**
 * Random values for token ids, refresh tokens and TOTP secrets. A DRBG instance seeded once: unlike the default
 * NativePRNG it does not read {@code /dev/urandom} on every call, so it is safe to use on an event-loop thread.
 */
public final class SecureRandoms {

    private static final SecureRandom RANDOM = create();

    private SecureRandoms() {
    }

    private static SecureRandom create() {
        try {
            SecureRandom random = SecureRandom.getInstance("DRBG");
            random.nextBytes(new byte[16]); // seeds now, at class initialisation, not on a request thread
            return random;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no DRBG SecureRandom", e);
        }
    }

    public static byte[] bytes(int length) {
        byte[] bytes = new byte[length];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    /** {@code length} random bytes, base64url without padding. */
    public static String base64Url(int length) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes(length));
    }

    /** A random (version 4) UUID from this generator. */
    public static UUID uuid() {
        byte[] b = bytes(16);
        b[6] = (byte) ((b[6] & 0x0f) | 0x40);
        b[8] = (byte) ((b[8] & 0x3f) | 0x80);
        long msb = 0;
        long lsb = 0;
        for (int i = 0; i < 8; i++) {
            msb = (msb << 8) | (b[i] & 0xff);
            lsb = (lsb << 8) | (b[i + 8] & 0xff);
        }
        return new UUID(msb, lsb);
    }
}
