package dev.portcullis.dpop;

import com.nimbusds.jose.util.Base64URL;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Stateless server nonces (RFC 9449 section 8): a nonce is {@code <time step>.<HMAC-SHA256 of the step>} under a secret
 * every instance shares, so any instance accepts any other's nonce without a store. A nonce is valid in its own step
 * and the next one, so a client holding a nonce from the end of a step is not refused at once.
 */
public final class DpopNonces {

    private static final String ALGORITHM = "HmacSHA256";
    /** Half of an HMAC-SHA256 (128 bits) is plenty for a value that lives two steps. */
    private static final int MAC_BYTES = 16;

    private final SecretKeySpec secret;
    private final long stepSeconds;

    /**
     * @param secret at least 32 bytes, the same on every instance
     * @param step   how long a nonce is current; it is accepted for up to twice that
     */
    public DpopNonces(byte[] secret, Duration step) {
        if (secret == null || secret.length < 32) {
            throw new IllegalArgumentException("nonce secret: at least 32 bytes (base64) are needed");
        }
        if (step == null || step.toSeconds() < 1) {
            throw new IllegalArgumentException("nonce step: at least one second");
        }
        this.secret = new SecretKeySpec(secret.clone(), ALGORITHM);
        this.stepSeconds = step.toSeconds();
    }

    /** The nonce to hand out now ({@code DPoP-Nonce}). */
    public String current(Instant now) {
        long step = Math.floorDiv(now.getEpochSecond(), stepSeconds);
        return step + "." + mac(step);
    }

    /** Whether {@code nonce} was handed out by an instance with this secret in the current or the previous step. */
    public boolean accepts(String nonce, Instant now) {
        int dot = nonce.indexOf('.');
        if (dot <= 0 || dot > 19 || nonce.length() > 64) {
            return false;
        }
        long step;
        try {
            step = Long.parseLong(nonce, 0, dot, 10);
        } catch (NumberFormatException e) {
            return false;
        }
        long current = Math.floorDiv(now.getEpochSecond(), stepSeconds);
        if (step != current && step != current - 1) {
            return false;
        }
        return MessageDigest.isEqual(mac(step).getBytes(StandardCharsets.US_ASCII),
                nonce.substring(dot + 1).getBytes(StandardCharsets.US_ASCII));
    }

    private String mac(long step) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(secret);
            byte[] full = mac.doFinal(("dpop-nonce:" + step).getBytes(StandardCharsets.US_ASCII));
            byte[] truncated = new byte[MAC_BYTES];
            System.arraycopy(full, 0, truncated, 0, MAC_BYTES);
            return Base64URL.encode(truncated).toString();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }
}
