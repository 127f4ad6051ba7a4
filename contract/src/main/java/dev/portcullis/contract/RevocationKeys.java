package dev.portcullis.contract;

import java.time.Duration;

/**
 * The Redis revocation schema (DESIGN.md, "Redis keys"): the auth service writes these keys and publishes on
 * {@link #CHANNEL}; every gateway instance reads them. Each key is touched by single-key commands only, so the
 * schema is safe on Redis Cluster without hash tags.
 */
public final class RevocationKeys {

    public static final String JTI_PREFIX = "revoked:jti:";
    public static final String SUBJECT_PREFIX = "revoked:sub:";
    /** Pub/sub channel carrying one {@link RevocationMessage} per revocation, for instances that cache. */
    public static final String CHANNEL = "revocations";

    private RevocationKeys() {
    }

    /** {@code revoked:jti:{jti}}, value {@code 1}, TTL until the token's {@code exp} plus clock skew. */
    public static String jtiKey(String jti) {
        return JTI_PREFIX + jti;
    }

    /** {@code revoked:sub:{sub}}, value the revoke-all instant in epoch milliseconds. */
    public static String subjectKey(String subject) {
        return SUBJECT_PREFIX + subject;
    }

    /** TTL of a {@code revoked:sub} key: no token issued before it can still be alive after that. */
    public static Duration subjectKeyTtl(Duration maxAccessTokenLifetime, Duration clockSkew) {
        return maxAccessTokenLifetime.plus(clockSkew);
    }

    /**
     * The revoke-all rule both sides apply. A token is refused when it was issued at or before the revoke-all
     * instant. {@code iat} has whole seconds, so a token issued in the same second after a revoke-all would look
     * older than it is: the issuer therefore never issues a token for that subject with an {@code iat} below
     * {@link #earliestIssuedAtAfter(long)}.
     *
     * @param issuedAtEpochSecond the token's {@code iat}
     * @param revokedAtEpochMilli the value of {@code revoked:sub:{sub}}
     */
    public static boolean issuedBeforeRevokeAll(long issuedAtEpochSecond, long revokedAtEpochMilli) {
        return issuedAtEpochSecond * 1000L <= revokedAtEpochMilli;
    }

    /** The smallest {@code iat} (epoch seconds) that survives a revoke-all at the given instant. */
    public static long earliestIssuedAtAfter(long revokedAtEpochMilli) {
        return Math.floorDiv(revokedAtEpochMilli, 1000L) + 1;
    }
}
