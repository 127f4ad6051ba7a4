package dev.portcullis.gateway.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.time.Clock;
import java.time.Duration;

/**
 * Verification results of tokens seen before, so that a client's second request costs a map lookup instead of an
 * RSA check. Keyed by the whole token string, compared by equality: a forged variant differs in at least one character
 * and can never hit another token's entry. Only successful verifications are stored (a flood of forged tokens cannot
 * fill it), each entry lives no longer than its token's {@code exp}, and the size is bounded. Revocation is not cached
 * here: it is checked on every request.
 */
public final class VerifiedTokenCache {

    private final Cache<String, VerifiedToken> cache;
    private final Clock clock;
    private final boolean enabled;

    public VerifiedTokenCache(JwtProperties.Cache properties, Clock clock, MeterRegistry meters) {
        this.clock = clock;
        this.enabled = properties.enabled() && properties.maxEntries() > 0;
        this.cache = Caffeine.newBuilder()
                .maximumSize(Math.max(1, properties.maxEntries()))
                .expireAfter(Expiry.creating((String token, VerifiedToken verified) ->
                        positive(Duration.between(clock.instant(), verified.expiresAt()))))
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
        VerifiedToken verified = cache.getIfPresent(token);
        if (verified == null) {
            return null;
        }
        if (!clock.instant().isBefore(verified.expiresAt())) {
            cache.invalidate(token);
            return null;
        }
        return verified;
    }

    public void put(String token, VerifiedToken verified) {
        if (enabled) {
            cache.put(token, verified);
        }
    }

    public long size() {
        cache.cleanUp();
        return cache.estimatedSize();
    }

    /** Forgets everything, e.g. after the trusted key set lost a key. */
    public void clear() {
        cache.invalidateAll();
    }
}
