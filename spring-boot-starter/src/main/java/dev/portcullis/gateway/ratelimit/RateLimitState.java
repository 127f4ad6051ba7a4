package dev.portcullis.gateway.ratelimit;

import java.time.Duration;

/**
 * A party's rate-limit quota as one instance sees it, read without taking from it.
 *
 * @param burst           the bucket's size
 * @param leaseSize       tokens this instance takes from the shared bucket at once (1 = exact mode)
 * @param leased          tokens of the party's lease held by this instance, usable without asking Redis
 * @param deniedFor       how long this instance still refuses the party without asking Redis (a remembered 429)
 * @param sharedAvailable requests the shared bucket would grant now; -1 when Redis did not answer
 * @param resetAfter      when the shared bucket is full again
 * @param retryAfter      when the shared bucket grants its next request (zero when it grants one now)
 */
public record RateLimitState(int burst, int leaseSize, int leased, Duration deniedFor, long sharedAvailable,
                             Duration resetAfter, Duration retryAfter) {

    /**
     * Whether the party's next request on this instance would pass the limit, following
     * {@link LeasingRateLimiter#acquire}: a remembered denial refuses, a leased token passes, else the shared bucket
     * decides; when Redis does not answer, the request passes (the limiter's failure policy).
     */
    public boolean nextRequestAllowed() {
        if (leaseSize > 1 && !deniedFor.isZero()) {
            return false;
        }
        return leased > 0 || sharedAvailable != 0;
    }

    /** The {@code Retry-After} a refused next request would carry. */
    public Duration refusalRetryAfter() {
        return !deniedFor.isZero() ? deniedFor : retryAfter;
    }
}
