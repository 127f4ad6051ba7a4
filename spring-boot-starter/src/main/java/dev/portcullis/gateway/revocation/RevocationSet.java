package dev.portcullis.gateway.revocation;

import dev.portcullis.contract.RevocationKeys;
import dev.portcullis.gateway.token.VerifiedToken;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The revocations this instance holds in memory, and the lookups a request makes in them: the state of the local view,
 * filled by {@link RevocationFeed} (the channel and its resyncs). Nothing here talks to Redis; whether the set may be
 * trusted is the feed's to say ({@link RevocationFeed#isLive()}).
 *
 * <p>Keyed by the Redis keys themselves ({@code {revoked}:jti:<jti>}, or {@code {revoked}:iss:<issuer>:jti:<jti>} for
 * another trusted issuer), so that two issuers' ids never meet. A revocation is kept until the tokens it concerns have
 * expired anyway ({@link #sweep}), so the set holds at most the revocations of one token lifetime.
 */
public final class RevocationSet {

    /** jti key -> epoch ms after which the entry can be forgotten (token expiry + skew). */
    private final Map<String, Long> revokedTokens = new ConcurrentHashMap<>();
    /** Subject key -> revoke-all instant, epoch ms. */
    private final Map<String, Long> revokedSubjects = new ConcurrentHashMap<>();

    /** A revoked token, forgotten after {@code dropAtEpochMilli}; the later instant wins when it is added twice. */
    public void tokenRevoked(String key, long dropAtEpochMilli) {
        revokedTokens.merge(key, dropAtEpochMilli, Math::max);
    }

    /** A revoke-all of a subject at {@code revokedAtEpochMilli}; the later instant wins. */
    public void subjectRevoked(String key, long revokedAtEpochMilli) {
        revokedSubjects.merge(key, revokedAtEpochMilli, Math::max);
    }

    /** Answers from memory; only meaningful while the feed says the set is live. */
    public RevocationStatus statusOf(VerifiedToken token) {
        if (token.revokedTokenKey() != null && revokedTokens.containsKey(token.revokedTokenKey())) {
            return RevocationStatus.REVOKED_TOKEN;
        }
        Long revokedAt = revokedSubjects.get(token.revokedSubjectKey());
        if (revokedAt != null && RevocationKeys.issuedBeforeRevokeAll(token.issuedAtEpochSecond(), revokedAt)) {
            return RevocationStatus.REVOKED_SUBJECT;
        }
        return RevocationStatus.ACTIVE;
    }

    /** Revoked tokens held: the count {@code portcullis.revocation.max-entries} bounds. */
    public int tokenCount() {
        return revokedTokens.size();
    }

    public int size() {
        return revokedTokens.size() + revokedSubjects.size();
    }

    /**
     * Forgets revocations of tokens that have expired anyway: a token's once its drop instant has passed, a subject's
     * once {@code subjectTtlMillis} (the longest token lifetime plus skew) has passed since the revoke-all.
     */
    public void sweep(long nowEpochMilli, long subjectTtlMillis) {
        revokedTokens.values().removeIf(dropAt -> dropAt < nowEpochMilli);
        revokedSubjects.values().removeIf(revokedAt -> revokedAt + subjectTtlMillis < nowEpochMilli);
    }
}
