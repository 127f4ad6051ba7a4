package dev.portcullis.contract;

import java.util.Optional;

/**
 * A message on the {@link RevocationKeys#CHANNEL} channel. The key in Redis stays the source of truth; the message
 * only spares caching gateways a lookup. Wire format, one line of ASCII:
 * <pre>
 *   jti &lt;jti&gt; &lt;expires-at epoch ms&gt;
 *   sub &lt;sub&gt; &lt;revoked-at epoch ms&gt;
 * </pre>
 */
public sealed interface RevocationMessage {

    /** One access token revoked until it expires. */
    record TokenRevoked(String jti, long expiresAtEpochMilli) implements RevocationMessage {
        @Override
        public String encode() {
            return "jti " + jti + " " + expiresAtEpochMilli;
        }
    }

    /** Every token of a subject issued at or before {@code revokedAtEpochMilli} revoked. */
    record SubjectRevoked(String subject, long revokedAtEpochMilli) implements RevocationMessage {
        @Override
        public String encode() {
            return "sub " + subject + " " + revokedAtEpochMilli;
        }
    }

    String encode();

    /** Parses a message; anything not in the wire format gives an empty result rather than an exception. */
    static Optional<RevocationMessage> decode(String message) {
        if (message == null) {
            return Optional.empty();
        }
        String[] parts = message.split(" ", -1);
        if (parts.length != 3 || parts[1].isEmpty()) {
            return Optional.empty();
        }
        long instant;
        try {
            instant = Long.parseLong(parts[2]);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        return switch (parts[0]) {
            case "jti" -> Optional.of(new TokenRevoked(parts[1], instant));
            case "sub" -> Optional.of(new SubjectRevoked(parts[1], instant));
            default -> Optional.empty();
        };
    }
}
