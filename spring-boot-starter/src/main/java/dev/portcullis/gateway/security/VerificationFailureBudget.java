package dev.portcullis.gateway.security;

import dev.portcullis.gateway.policy.RateLimit;
import dev.portcullis.gateway.ratelimit.LeasingRateLimiter;
import dev.portcullis.gateway.ratelimit.RateLimitDecision;
import dev.portcullis.gateway.web.Rejection;
import dev.portcullis.gateway.web.RejectionReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import reactor.core.publisher.Mono;

/**
 * Bounds the signature checks a client IP can make the gateway do with tokens that turn out to be invalid. Before a
 * token that is not in the verified-token cache is parsed, one unit is taken from the IP's budget; when the token
 * verifies, the unit is given back. So only failures spend, and an exhausted budget is known before any RSA work:
 * the request is answered 429 with {@code Retry-After} at the price of a map lookup (the rate limiter remembers a
 * denial locally until its retry time).
 *
 * <p>Taking before the check rather than counting after it is what makes the bound hold under parallel floods: a
 * burst of forged tokens cannot all pass a "not exhausted yet" check before the first failure is counted.
 *
 * <p>The budget is a bucket of the existing rate limiter (GCRA in Redis, key {@code portcullis:rl:{jwt-failures:ip:<addr>}},
 * local leases), so every instance spends from the same budget. Valid cached tokens never reach it. The price: once
 * an IP has spent its budget, a valid token that this instance has not cached yet waits for the refill too (it
 * cannot be told from a forged one without the signature check that the budget exists to avoid).
 */
public final class VerificationFailureBudget {

    static final String PARTY_PREFIX = "jwt-failures:ip:";

    private final LeasingRateLimiter limiter;
    private final RateLimit limit;
    private final boolean enabled;
    private final Counter granted;
    private final Counter denied;
    private final Counter unchecked;

    public VerificationFailureBudget(JwtProperties.FailureBudget properties, LeasingRateLimiter limiter, MeterRegistry meters) {
        this.limiter = limiter;
        this.enabled = properties.enabled() && limiter != null;
        this.limit = new RateLimit(properties.failures(), properties.period(), properties.burst());
        this.granted = counter(meters, "granted");
        this.denied = counter(meters, "denied");
        this.unchecked = counter(meters, "unchecked");
    }

    /** No budget at all (benchmarks, units that test verification alone). */
    public static VerificationFailureBudget disabled(MeterRegistry meters) {
        return new VerificationFailureBudget(new JwtProperties.FailureBudget(false, 1, Duration.ofMinutes(1), 0),
                null, meters);
    }

    private static Counter counter(MeterRegistry meters, String outcome) {
        return Counter.builder("portcullis.jwt.failure_budget").tag("outcome", outcome)
                .description("Units taken from the per-IP budget of failed token verifications, by outcome")
                .register(meters);
    }

    /**
     * Takes one unit for a verification about to start.
     *
     * @return a granted reservation (to {@link Reservation#refund refund} if the token verifies), or a rejection (429)
     */
    Mono<Reservation> reserve(String clientAddress) {
        if (!enabled) {
            return Mono.just(Reservation.NONE);
        }
        String party = PARTY_PREFIX + clientAddress;
        return limiter.acquire(party, limit).map(decision -> reservation(party, decision));
    }

    private Reservation reservation(String party, RateLimitDecision decision) {
        if (decision.outcome() == RateLimitDecision.Outcome.UNCHECKED) {
            // Failure policy: Redis did not answer, and the budget fails open (counted; the rate limiter logs it).
            // It protects CPU, not identity: every token is still verified in full and refused when invalid, so
            // failing open costs at most the signature checks the budget would have saved. Failing closed would
            // refuse every uncached valid token during a Redis outage.
            unchecked.increment();
            return Reservation.NONE;
        }
        if (decision.outcome() == RateLimitDecision.Outcome.DENIED) {
            denied.increment();
            return new Reservation(null, Rejection.retryable(RejectionReason.TOO_MANY_INVALID_TOKENS,
                    "Too many invalid access tokens from this address; retry later", decision.retryAfter()));
        }
        granted.increment();
        return new Reservation(() -> limiter.refund(party), null);
    }

    /** A unit of the budget held by one verification; {@code refusal} is set when none was left. */
    record Reservation(Runnable refund, Rejection refusal) {

        static final Reservation NONE = new Reservation(null, null);

        /** Gives the unit back: the token verified (or the failure was not the client's, e.g. keys unavailable). */
        void giveBack() {
            if (refund != null) {
                refund.run();
            }
        }
    }
}
