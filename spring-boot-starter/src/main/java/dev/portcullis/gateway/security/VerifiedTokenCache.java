package dev.portcullis.gateway.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.portcullis.gateway.token.VerifiedToken;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;

/**
 * Verification results of tokens seen before, so that a client's second request costs a map lookup instead of an
 * RSA check. Keyed by the whole token string, compared by equality: a forged variant differs in at least one character
 * and can never hit another token's entry. Only successful verifications are stored (a flood of forged tokens cannot
 * fill it), each entry lives no longer than its token's {@code exp}, and the size is bounded. Revocation is not cached
 * here: it is checked on every request. Each entry remembers the issuer and kid that verified it, so that a key pulled from the
 * JWKS takes its tokens out of the cache (and only its tokens) without a check on the hit path.
 */
public final class VerifiedTokenCache {

    private final Cache<String, Entry> cache;
    private final Clock clock;
    private final boolean enabled;

    public VerifiedTokenCache(JwtProperties.Cache properties, Clock clock, MeterRegistry meters) {
        this.clock = clock;
        this.enabled = properties.enabled() && properties.maxEntries() > 0;
        this.cache = Caffeine.newBuilder()
                .maximumSize(Math.max(1, properties.maxEntries()))
                .expireAfter(Expiry.creating((String token, Entry entry) ->
                        positive(Duration.between(clock.instant(), entry.token().expiresAt()))))
                .recordStats()
                .build();
        CaffeineCacheMetrics.monitor(meters, cache, "portcullis.verified_tokens");
    }

    private static Duration positive(Duration duration) {
        return duration.isNegative() ? Duration.ZERO : duration;
    }

    /** @return the cached identity, or null when absent or expired by the clock (whatever the cache's own timer says) */
    public VerifiedToken get(String token) {
        if (!enabled) {
            return null;
        }
        Entry entry = cache.getIfPresent(token);
        if (entry == null) {
            return null;
        }
        if (!clock.instant().isBefore(entry.token().expiresAt())) {
            cache.invalidate(token);
            return null;
        }
        return entry.token();
    }

    /** Remembers a token verified with the key {@code keyId} of the issuer {@code issuerId}. */
    public void put(String token, VerifiedToken verified, String issuerId, String keyId) {
        if (enabled) {
            cache.put(token, new Entry(verified, issuerId, keyId));
        }
    }

    /** Forgets one token (it was cached just as its key was pulled). */
    void invalidate(String token) {
        cache.invalidate(token);
    }

    /**
     * Forgets every token verified with one of these keys of one issuer: they left its trusted key set. Another
     * issuer's key of the same kid is not touched. A walk over the cache, once per removal (rare); the hit path stays
     * one map lookup.
     *
     * @return how many entries were dropped
     */
    public int evictKeys(String issuerId, Set<String> keyIds) {
        int[] evicted = {0};
        cache.asMap().values().removeIf(entry -> {
            boolean drop = entry.issuerId().equals(issuerId) && keyIds.contains(entry.keyId());
            if (drop) {
                evicted[0]++;
            }
            return drop;
        });
        return evicted[0];
    }

    public long size() {
        cache.cleanUp();
        return cache.estimatedSize();
    }

    /** Forgets everything (benchmarks measure the cold path with it). */
    public void clear() {
        cache.invalidateAll();
    }

    private record Entry(VerifiedToken token, String issuerId, String keyId) {
    }
}
