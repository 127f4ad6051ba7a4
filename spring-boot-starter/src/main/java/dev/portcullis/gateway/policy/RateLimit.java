package dev.portcullis.gateway.policy;

import java.time.Duration;

/**
 * A rate limit: {@code requests} per {@code period}, with bursts up to {@code burst} requests (GCRA, so the quota
 * refills smoothly rather than at window boundaries).
 */
public record RateLimit(int requests, Duration period, int burst) {

    public RateLimit {
        if (requests <= 0) {
            throw new IllegalArgumentException("requests must be positive, was " + requests);
        }
        if (period == null || period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("period must be positive, was " + period);
        }
        if (burst <= 0) {
            burst = requests;
        }
    }

    /** The time between two requests at the sustained rate. */
    public Duration emissionInterval() {
        return period.dividedBy(requests);
    }
}
