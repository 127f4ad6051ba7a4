package dev.portcullis.benchmarks.pipeline;

import dev.portcullis.contract.RevocationKeys;
import dev.portcullis.gateway.revocation.RevocationStatus;
import dev.portcullis.gateway.token.VerifiedToken;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's live-view revocation answer, reproduced outside Spring and Redis: the same two {@link ConcurrentHashMap}
 * lookups as {@code RevocationSet.statusOf} plus the timer {@code FallbackRevocationChecker} records per check. The
 * real view cannot be filled without a Redis subscription (its {@code apply} is package-private), and an empty map would
 * flatter the lookup; this one holds a realistic number of revocations.
 */
final class LocalRevocationLookup {

    private final Map<String, Long> revokedTokens = new ConcurrentHashMap<>();
    private final Map<String, Long> revokedSubjects = new ConcurrentHashMap<>();
    private final Timer timer;

    LocalRevocationLookup(int revokedTokenCount, int revokedSubjectCount, MeterRegistry meters) {
        long later = System.currentTimeMillis() + 900_000;
        for (int i = 0; i < revokedTokenCount; i++) {
            revokedTokens.put(java.util.UUID.randomUUID().toString(), later);
        }
        for (int i = 0; i < revokedSubjectCount; i++) {
            revokedSubjects.put("revoked-user-" + i, System.currentTimeMillis());
        }
        this.timer = Timer.builder("portcullis.revocation.checks").tag("source", "view").tag("outcome", "active")
                .register(meters);
    }

    void revoke(String jti) {
        revokedTokens.put(jti, System.currentTimeMillis() + 900_000);
    }

    RevocationStatus check(VerifiedToken token) {
        long start = System.nanoTime();
        RevocationStatus status;
        if (revokedTokens.containsKey(token.tokenId())) {
            status = RevocationStatus.REVOKED_TOKEN;
        } else {
            Long revokedAt = revokedSubjects.get(token.subject());
            status = revokedAt != null && RevocationKeys.issuedBeforeRevokeAll(token.issuedAtEpochSecond(), revokedAt)
                    ? RevocationStatus.REVOKED_SUBJECT : RevocationStatus.ACTIVE;
        }
        timer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        return status;
    }
}
