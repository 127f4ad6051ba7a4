package dev.portcullis.gateway.ratelimit;

import java.time.Duration;

/**
 * One rate-limit answer.
 *
 * @param outcome    whether the request may pass, and whether the limit was checked at all
 * @param limit      the burst size, for {@code X-RateLimit-Limit}
 * @param remaining  requests left right now, for {@code X-RateLimit-Remaining} (0 when unchecked: nothing is known)
 * @param retryAfter when a denied request may be retried
 * @param resetAfter when the quota is full again, for {@code X-RateLimit-Reset}
 */
public record RateLimitDecision(Outcome outcome, int limit, long remaining, Duration retryAfter, Duration resetAfter) {

    /** What a rate-limit check said; its tag is the {@code outcome} of {@code portcullis.ratelimit.decisions}. */
    public enum Outcome {
        /** The quota had room: the request passes and spent one of it. */
        ALLOWED("allowed"),
        /** The quota is spent: the request is refused (429) until {@code retryAfter}. */
        DENIED("denied"),
        /** The quota could not be read (Redis did not answer): the request passes, see {@link RedisGcraLimiter}. */
        UNCHECKED("unchecked");

        private final String tag;

        Outcome(String tag) {
            this.tag = tag;
        }

        public String tag() {
            return tag;
        }
    }

    static RateLimitDecision allowed(int limit, long remaining, Duration resetAfter) {
        return new RateLimitDecision(Outcome.ALLOWED, limit, remaining, Duration.ZERO, resetAfter);
    }

    static RateLimitDecision denied(int limit, Duration retryAfter, Duration resetAfter) {
        return new RateLimitDecision(Outcome.DENIED, limit, 0, retryAfter, resetAfter);
    }

    /** Used when the limit cannot be checked: traffic passes (see {@link RedisGcraLimiter}). */
    static RateLimitDecision unchecked(int limit) {
        return new RateLimitDecision(Outcome.UNCHECKED, limit, 0, Duration.ZERO, Duration.ZERO);
    }

    /** Whether the request may pass: allowed, or unchecked (the limiter's failure policy). */
    public boolean allowed() {
        return outcome != Outcome.DENIED;
    }
}
