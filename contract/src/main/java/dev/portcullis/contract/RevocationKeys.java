package dev.portcullis.contract;

import java.time.Duration;

/**
 * The Redis revocation schema (docs/contract.md#redis-keys; docs/redis-schema.md): the auth service writes these keys and
 * publishes on {@link #CHANNEL}, both in one script ({@link RevocationScript}); every gateway instance reads them.
 *
 * <p>Every key carries the hash tag {@value #HASH_TAG}, so the whole revocation set and its {@link #SEQUENCE_KEY} share
 * one Redis Cluster slot. That is what lets one Lua script write a revocation, bump the sequence and publish the
 * message atomically: Redis Cluster refuses (CROSSSLOT) a script whose keys live in different slots. The price is that
 * the set lives on one cluster node (and its replicas): it is small (at most one token lifetime of revocations) and
 * written rarely, and gateways in the default {@code view} mode read it only on a resync.
 */
public final class RevocationKeys {

    /** The hash tag of every revocation key: one cluster slot for the set and its sequence. */
    public static final String HASH_TAG = "{revoked}";
    public static final String JTI_PREFIX = HASH_TAG + ":jti:";
    public static final String SUBJECT_PREFIX = HASH_TAG + ":sub:";
    /**
     * {@code {revoked}:seq}: an integer bumped by every revocation, never expiring. The message of a revocation carries
     * the value it got, so a gateway that sees a jump, or reads a value no message has brought, knows it missed one.
     */
    public static final String SEQUENCE_KEY = HASH_TAG + ":seq";
    /**
     * Revocations of another trusted issuer's tokens live under {@code {revoked}:iss:<issuer id>:}, so that two
     * issuers' {@code jti} or {@code sub} values never name the same key. The issuer id (the gateway's
     * {@code portcullis.jwt.issuers.<id>}) has lower-case letters, digits and dashes only, never {@code :}.
     */
    public static final String ISSUER_PREFIX = HASH_TAG + ":iss:";
    /** Pub/sub channel carrying one {@link RevocationMessage} per revocation, for instances that cache. */
    public static final String CHANNEL = "revocations";

    private RevocationKeys() {
    }

    /** {@code {revoked}:jti:<jti>}, value {@code 1}, TTL until the token's {@code exp} plus clock skew. */
    public static String jtiKey(String jti) {
        return JTI_PREFIX + jti;
    }

    /** {@code {revoked}:sub:<sub>}, value the revoke-all instant in epoch milliseconds. */
    public static String subjectKey(String subject) {
        return SUBJECT_PREFIX + subject;
    }

    /**
     * The jti key of a token of the issuer {@code namespace}: {@link #jtiKey(String)} for Portcullis' own issuer
     * (null), else {@code {revoked}:iss:<namespace>:jti:<jti>}.
     */
    public static String jtiKey(String namespace, String jti) {
        return namespace == null ? jtiKey(jti) : ISSUER_PREFIX + namespace + ":jti:" + jti;
    }

    /**
     * The revoke-all key of a subject of the issuer {@code namespace}: {@link #subjectKey(String)} for Portcullis' own
     * issuer (null), else {@code {revoked}:iss:<namespace>:sub:<sub>}.
     */
    public static String subjectKey(String namespace, String subject) {
        return namespace == null ? subjectKey(subject) : ISSUER_PREFIX + namespace + ":sub:" + subject;
    }

    /** {@code {revoked}:iss:<id><kind>…}: the first {@code :} after the issuer id starts {@code kind}. */
    private static boolean isNamespaced(String key, String kind) {
        if (!key.startsWith(ISSUER_PREFIX)) {
            return false;
        }
        int colon = key.indexOf(':', ISSUER_PREFIX.length());
        return colon >= 0 && key.startsWith(kind, colon);
    }

    /** Whether a key (of any namespace) revokes one token; false for a revoke-all key. */
    public static boolean isJtiKey(String key) {
        return key.startsWith(JTI_PREFIX) || isNamespaced(key, ":jti:");
    }

    /** Whether a key (of any namespace) is a revoke-all marker. */
    public static boolean isSubjectKey(String key) {
        return key.startsWith(SUBJECT_PREFIX) || isNamespaced(key, ":sub:");
    }

    /** TTL of a subject key: no token issued before it can still be alive after that. */
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
     * @param revokedAtEpochMilli the value of the subject key
     */
    public static boolean issuedBeforeRevokeAll(long issuedAtEpochSecond, long revokedAtEpochMilli) {
        return issuedAtEpochSecond * 1000L <= revokedAtEpochMilli;
    }

    /** The smallest {@code iat} (epoch seconds) that survives a revoke-all at the given instant. */
    public static long earliestIssuedAtAfter(long revokedAtEpochMilli) {
        return Math.floorDiv(revokedAtEpochMilli, 1000L) + 1;
    }
}
