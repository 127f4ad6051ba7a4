package dev.portcullis.gateway.ratelimit;

import java.time.Duration;

/**
 * One rate-limit answer.
 *
 * @param allowed    whether the request may pass
 * @param limit      the burst size, for {@code X-RateLimit-Limit}
 * @param remaining  requests left right now, for {@code X-RateLimit-Remaining}
 * @param retryAfter when a denied request may be retried
 * @param resetAfter when the quota is full again, for {@code X-RateLimit-Reset}
 */
public record RateLimitDecision(boolean allowed, int limit, long remaining, Duration retryAfter, Duration resetAfter) {

    /** Used when the limit cannot be checked: traffic passes (see {@link RedisRateLimiter}). */
    static RateLimitDecision unchecked(int limit) {
        return new RateLimitDecision(true, limit, -1, Duration.ZERO, Duration.ZERO);
    }
}
