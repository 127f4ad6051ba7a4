package dev.portcullis.contract;

import java.util.Optional;

/**
 * A message on the {@link RevocationKeys#CHANNEL} channel. The key in Redis stays the source of truth; the message
 * only spares caching gateways a lookup. Wire format, one line of ASCII:
 * <pre>
 *   jti &lt;jti&gt; &lt;expires-at epoch ms&gt; &lt;sequence&gt;
 *   sub &lt;sub&gt; &lt;revoked-at epoch ms&gt; &lt;sequence&gt;
 * </pre>
 * A revocation of another trusted issuer's token or subject names that issuer's id after the kind:
 * {@code jti@partner-sas <jti> ...}, {@code sub@partner-sas <sub> ...} (its key is then
 * {@code {revoked}:iss:<id>:...}, see {@link RevocationKeys#ISSUER_PREFIX}).
 * {@code sequence} is the value {@link RevocationScript} gave {@link RevocationKeys#SEQUENCE_KEY} when it wrote this
 * revocation (1, 2, 3, … with no holes), so a receiver that sees it jump knows it missed a message. An optional fifth
 * field, {@code <issued-at epoch ms>}, is the instant the issuer decided the revocation: a receiver measures from it
 * how long the revocation took to hold ({@code portcullis.revocation.lag}):
 * <pre>
 *   jti &lt;jti&gt; &lt;expires-at epoch ms&gt; &lt;sequence&gt; &lt;issued-at epoch ms&gt;
 * </pre>
 * Messages of the earlier formats still decode: three fields (no sequence) with {@link #NO_SEQUENCE}, applied but
 * saying nothing about gaps; four fields (no issue instant) with {@link #NO_ISSUE_INSTANT}, applied but not measured.
 * A gateway older than the fifth field ignores such a message as unparseable and repairs the miss with a resync
 * (its sequence check notices it), so gateways are upgraded before the issuer. Anything else decodes to nothing
 * rather than an exception.
 */
public sealed interface RevocationMessage {

    /** The sequence of a message written before sequences existed, or of one not yet written. */
    long NO_SEQUENCE = 0;

    /** The issue instant of a message written before issue instants were carried. */
    long NO_ISSUE_INSTANT = 0;

    /** One access token revoked until it expires. */
    record TokenRevoked(String jti, long expiresAtEpochMilli, long sequence, String issuer, long issuedAtEpochMilli)
            implements RevocationMessage {
        /** A revocation to be written; {@link RevocationScript} assigns its sequence. */
        public TokenRevoked(String jti, long expiresAtEpochMilli) {
            this(jti, expiresAtEpochMilli, NO_SEQUENCE, null);
        }

        /** A revocation of Portcullis' own issuer's token. */
        public TokenRevoked(String jti, long expiresAtEpochMilli, long sequence) {
            this(jti, expiresAtEpochMilli, sequence, null);
        }

        /** A revocation without an issue instant. */
        public TokenRevoked(String jti, long expiresAtEpochMilli, long sequence, String issuer) {
            this(jti, expiresAtEpochMilli, sequence, issuer, NO_ISSUE_INSTANT);
        }

        /** This revocation, decided at {@code epochMilli}. */
        public TokenRevoked issuedAt(long epochMilli) {
            return new TokenRevoked(jti, expiresAtEpochMilli, sequence, issuer, epochMilli);
        }

        @Override
        public String key() {
            return RevocationKeys.jtiKey(issuer, jti);
        }

        @Override
        public String value() {
            return "1";
        }

        @Override
        public String encodeWithoutSequence() {
            return kind("jti", issuer) + " " + jti + " " + expiresAtEpochMilli;
        }
    }

    /** Every token of a subject issued at or before {@code revokedAtEpochMilli} revoked. */
    record SubjectRevoked(String subject, long revokedAtEpochMilli, long sequence, String issuer, long issuedAtEpochMilli)
            implements RevocationMessage {
        /** A revocation to be written; {@link RevocationScript} assigns its sequence. */
        public SubjectRevoked(String subject, long revokedAtEpochMilli) {
            this(subject, revokedAtEpochMilli, NO_SEQUENCE, null);
        }

        /** A revoke-all of a subject of Portcullis' own issuer. */
        public SubjectRevoked(String subject, long revokedAtEpochMilli, long sequence) {
            this(subject, revokedAtEpochMilli, sequence, null);
        }

        /** A revoke-all without an issue instant. */
        public SubjectRevoked(String subject, long revokedAtEpochMilli, long sequence, String issuer) {
            this(subject, revokedAtEpochMilli, sequence, issuer, NO_ISSUE_INSTANT);
        }

        /** This revoke-all, decided at {@code epochMilli}. */
        public SubjectRevoked issuedAt(long epochMilli) {
            return new SubjectRevoked(subject, revokedAtEpochMilli, sequence, issuer, epochMilli);
        }

        @Override
        public String key() {
            return RevocationKeys.subjectKey(issuer, subject);
        }

        @Override
        public String value() {
            return Long.toString(revokedAtEpochMilli);
        }

        @Override
        public String encodeWithoutSequence() {
            return kind("sub", issuer) + " " + subject + " " + revokedAtEpochMilli;
        }
    }

    private static String kind(String kind, String issuer) {
        return issuer == null ? kind : kind + "@" + issuer;
    }

    /** The sequence this revocation got, or {@link #NO_SEQUENCE}. */
    long sequence();

    /** When the issuer decided this revocation (epoch ms), or {@link #NO_ISSUE_INSTANT}. */
    long issuedAtEpochMilli();

    /** The Redis key that holds this revocation. */
    String key();

    /** The value of {@link #key()}. */
    String value();

    /** The first three fields; {@link RevocationScript} appends {@code " <sequence>"} when it publishes. */
    String encodeWithoutSequence();

    /** The whole line, as published. */
    default String encode() {
        if (sequence() == NO_SEQUENCE) {
            return encodeWithoutSequence(); // the issue instant rides after the sequence, so it needs one
        }
        String line = encodeWithoutSequence() + " " + sequence();
        return issuedAtEpochMilli() == NO_ISSUE_INSTANT ? line : line + " " + issuedAtEpochMilli();
    }

    /** Parses a message; anything not in the wire format gives an empty result rather than an exception. */
    static Optional<RevocationMessage> decode(String message) {
        if (message == null) {
            return Optional.empty();
        }
        String[] parts = message.split(" ", -1);
        if (parts.length < 3 || parts.length > 5 || parts[1].isEmpty()) {
            return Optional.empty();
        }
        long instant;
        long sequence = NO_SEQUENCE;
        long issuedAt = NO_ISSUE_INSTANT;
        try {
            instant = Long.parseLong(parts[2]);
            if (parts.length >= 4) {
                sequence = Long.parseLong(parts[3]);
                if (sequence <= NO_SEQUENCE) {
                    return Optional.empty();
                }
            }
            if (parts.length == 5) {
                issuedAt = Long.parseLong(parts[4]);
                if (issuedAt <= NO_ISSUE_INSTANT) {
                    return Optional.empty();
                }
            }
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        String kind = parts[0];
        String issuer = null;
        int at = kind.indexOf('@');
        if (at >= 0) {
            issuer = kind.substring(at + 1);
            kind = kind.substring(0, at);
            if (!issuer.matches("[a-z0-9][a-z0-9-]{0,62}")) {
                return Optional.empty();
            }
        }
        return switch (kind) {
            case "jti" -> Optional.of(new TokenRevoked(parts[1], instant, sequence, issuer, issuedAt));
            case "sub" -> Optional.of(new SubjectRevoked(parts[1], instant, sequence, issuer, issuedAt));
            default -> Optional.empty();
        };
    }
}
