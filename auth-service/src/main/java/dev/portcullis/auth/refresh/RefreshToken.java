package dev.portcullis.auth.refresh;

import dev.portcullis.auth.config.SecureRandoms;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An opaque refresh token {@code <familyId>.<secret>}: a 128-bit family id (which finds the family's user, and with it
 * the user's Redis slot, see {@link RefreshTokenStore}) and a 256-bit secret, both base64url. Only the SHA-256 of the whole token is
 * stored; {@link #toString()} never shows the value.
 */
public record RefreshToken(String familyId, String value) {

    private static final Pattern FORMAT = Pattern.compile("^([A-Za-z0-9_-]{22})\\.[A-Za-z0-9_-]{43}$");

    /** A token of a new family. */
    public static RefreshToken newFamily() {
        return inFamily(SecureRandoms.base64Url(16));
    }

    /** The next token of an existing family. */
    public static RefreshToken inFamily(String familyId) {
        return new RefreshToken(familyId, familyId + "." + SecureRandoms.base64Url(32));
    }

    /** Parses a presented token; empty when it cannot be one of ours. */
    public static Optional<RefreshToken> parse(String presented) {
        if (presented == null) {
            return Optional.empty();
        }
        var matcher = FORMAT.matcher(presented);
        return matcher.matches() ? Optional.of(new RefreshToken(matcher.group(1), presented)) : Optional.empty();
    }

    /** What Redis stores: base64url(SHA-256(token)). */
    public String hash() {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "RefreshToken[family=" + familyId + "]";
    }
}
