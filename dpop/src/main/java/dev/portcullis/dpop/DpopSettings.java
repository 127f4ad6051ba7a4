package dev.portcullis.dpop;

import java.net.URI;
import java.time.Duration;
import java.util.Base64;
import java.util.Set;

/**
 * The checks of the DPoP settings both tiers bind (the gateway's {@code portcullis.dpop}, the auth service's
 * {@code portcullis.auth.dpop}): one rule for both, and a failure names the key under the given prefix.
 */
public final class DpopSettings {

    private DpopSettings() {
    }

    /**
     * The proof rules, or null while a part is still unbound (its own {@code @NotNull} reports that).
     *
     * @throws IllegalArgumentException naming {@code <prefix>.<key>} when a value is refused
     */
    public static DpopRules rules(String prefix, Set<String> algorithms, Duration maxAge, Duration futureSkew,
                                  int maxJtiLength) {
        if (algorithms == null || maxAge == null || futureSkew == null) {
            return null;
        }
        try {
            return new DpopRules(algorithms, maxAge, futureSkew, maxJtiLength);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(prefix + "." + e.getMessage(), e);
        }
    }

    /**
     * The configured public origin ({@code https://api.example.com}), or null when none is set (blank counts as none).
     *
     * @throws IllegalArgumentException naming {@code <prefix>.public-origin} when it is no absolute http(s) origin
     */
    public static URI publicOrigin(String prefix, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        URI origin;
        try {
            origin = URI.create(value.trim());
        } catch (IllegalArgumentException e) {
            origin = null;
        }
        if (origin == null || origin.getHost() == null
                || !("http".equals(origin.getScheme()) || "https".equals(origin.getScheme()))) {
            throw new IllegalArgumentException(prefix + ".public-origin: must be an absolute http(s) origin");
        }
        return origin;
    }

    /**
     * The server nonces, or null when they are off.
     *
     * @param secret base64 of at least 32 random bytes, the same on every instance
     * @throws IllegalArgumentException naming {@code <prefix>.nonce} when they are on and the secret or step is refused
     */
    public static DpopNonces nonces(String prefix, boolean enabled, String secret, Duration step) {
        if (!enabled) {
            return null;
        }
        try {
            return new DpopNonces(secret == null || secret.isBlank() ? null : Base64.getDecoder().decode(secret.trim()), step);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(prefix + ".nonce: " + e.getMessage(), e);
        }
    }
}
