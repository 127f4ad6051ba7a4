package dev.portcullis.gateway.revocation;

/**
 * Told of every revocation the {@link RevocationFeed} applies: each message from the channel as it arrives, and every
 * key a resync reads (a resync repairs missed messages, so what it finds may be new). Keys are those of
 * {@link dev.portcullis.gateway.token.VerifiedToken#revokedTokenKey()} and
 * {@link dev.portcullis.gateway.token.VerifiedToken#revokedSubjectKey()}. A key may be told more than once.
 *
 * <p>Runs on the Redis client's threads: an implementation must not block, and should be quick.
 */
public interface RevocationListener {

    /** The token whose revocation key is {@code key} is revoked. */
    void tokenRevoked(String key);

    /** Every token of the subject whose key is {@code key} issued at or before {@code revokedAtEpochMilli} is revoked. */
    void subjectRevoked(String key, long revokedAtEpochMilli);
}
