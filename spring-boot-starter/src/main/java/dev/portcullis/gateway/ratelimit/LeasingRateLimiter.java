package dev.portcullis.gateway.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.portcullis.gateway.policy.RateLimit;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Mono;

/**
 * Rate limiting without a Redis round trip per request. Each instance takes a small lease of tokens from the party's
 * shared bucket in one script call and spends it locally; when the lease runs low it takes the next one in the
 * background, so that a steady caller almost never waits for Redis. A denial is remembered locally until its
 * {@code Retry-After}, so a client hammering a spent quota costs no Redis call either.
 *
 * <p>Accuracy: leased tokens are debited from the shared bucket before they are used, so the limit is never exceeded
 * across instances. The price is early refusals: up to {@code lease - 1} tokens per other instance may sit unused in
 * their leases (they expire after {@link #LEASE_TTL}, 5 s). Small limits (burst below 10 x lease) use leases of one token,
 * which is exact.
 */
public final class LeasingRateLimiter {

    /**
     * Leased tokens unused for this long are dropped. Holding them longer never over-admits (they were debited when
     * taken); it bounds how long an instance may keep tokens another instance could have used. Long enough that a
     * caller at a few requests per second spends a whole lease (a 1 s lease expires half-used at that rate).
     */
    static final Duration LEASE_TTL = Duration.ofSeconds(5);

    private final RedisGcraLimiter shared;
    private final int maxLease;
    private final Cache<String, Lease> leases;

    public LeasingRateLimiter(RedisGcraLimiter shared, int maxLease, int maxParties) {
        this.shared = shared;
        this.maxLease = maxLease;
        this.leases = Caffeine.newBuilder().maximumSize(maxParties).expireAfterAccess(Duration.ofMinutes(2)).build();
    }

    public Mono<RateLimitDecision> acquire(String party, RateLimit limit) {
        int leaseSize = leaseSize(limit);
        long now = System.nanoTime();
        if (leaseSize == 1) {
            // Exact mode: a Redis call per request, unless a token was given back (refund) and is still held.
            Lease held = leases.getIfPresent(party);
            int left = held == null ? -1 : held.take(now);
            return left >= 0 ? Mono.just(RateLimitDecision.allowed(limit.burst(), left + held.lastRemaining,
                    Duration.ofMillis(held.lastResetMillis))) : shared.acquire(party, limit);
        }
        Lease lease = leases.get(party, key -> new Lease());
        long deniedUntil = lease.deniedUntilNanos;
        if (now < deniedUntil) {
            return Mono.just(RateLimitDecision.denied(limit.burst(), Duration.ofNanos(deniedUntil - now),
                    Duration.ofNanos(deniedUntil - now)));
        }
        int left = lease.take(now);
        if (left >= 0) {
            if (left <= leaseSize / 4) {
                refillInBackground(party, limit, leaseSize, lease);
            }
            return Mono.just(RateLimitDecision.allowed(limit.burst(), left + lease.lastRemaining,
                    Duration.ofMillis(lease.lastResetMillis)));
        }
        // Lease spent: this request waits for Redis, and takes a lease for the requests after it.
        return shared.take(party, limit, leaseSize).map(grant -> {
            apply(lease, grant, System.nanoTime(), true);
            return grant.decision();
        });
    }

    /**
     * Gives back one token taken by {@link #acquire} for a request that, as it turned out, should not count (the
     * failure budget of token verification takes a token before the check and returns it when the token is valid).
     * The token goes into the party's local lease, not back to Redis: the shared bucket stays debited, so a refund can
     * never over-admit across instances; unused, it expires with the lease. Only call it for an allowed decision that
     * was actually checked ({@link RateLimitDecision.Outcome#ALLOWED}): an unchecked one never took a token.
     */
    public void refund(String party) {
        leases.get(party, key -> new Lease()).add(1, System.nanoTime());
    }

    /**
     * The party's quota as this instance sees it, taking nothing: the tokens of its local lease, a remembered denial,
     * and the shared bucket's content. For the explain endpoint.
     */
    public Mono<RateLimitState> peek(String party, RateLimit limit) {
        long now = System.nanoTime();
        Lease lease = leases.getIfPresent(party);
        int leased = lease == null || now > lease.expiresAtNanos ? 0 : Math.max(0, lease.tokens.get());
        Duration deniedFor = lease == null || now >= lease.deniedUntilNanos ? Duration.ZERO
                : Duration.ofNanos(lease.deniedUntilNanos - now);
        return shared.peek(party, limit)
                .map(peek -> new RateLimitState(limit.burst(), leaseSize(limit), leased, deniedFor, peek.available(),
                        peek.resetAfter(), peek.retryAfter()))
                .defaultIfEmpty(new RateLimitState(limit.burst(), leaseSize(limit), leased, deniedFor, -1, Duration.ZERO,
                        Duration.ZERO));
    }

    private void refillInBackground(String party, RateLimit limit, int leaseSize, Lease lease) {
        if (lease.refilling.compareAndSet(false, true)) {
            shared.take(party, limit, leaseSize)
                    .doFinally(signal -> lease.refilling.set(false))
                    .subscribe(grant -> apply(lease, grant, System.nanoTime(), false));
        }
    }

    private static void apply(Lease lease, RedisGcraLimiter.Grant grant, long now, boolean oneUsedNow) {
        if (grant.isUnchecked()) {
            return;
        }
        lease.lastRemaining = grant.decision().remaining();
        lease.lastResetMillis = grant.decision().resetAfter().toMillis();
        if (grant.tokens() == 0) {
            lease.deniedUntilNanos = now + grant.decision().retryAfter().toNanos();
            return;
        }
        lease.add(grant.tokens() - (oneUsedNow ? 1 : 0), now);
    }

    int leaseSize(RateLimit limit) {
        return Math.max(1, Math.min(maxLease, limit.burst() / 10));
    }

    /** One party's locally held tokens. */
    static final class Lease {
        private final AtomicInteger tokens = new AtomicInteger();
        private final AtomicBoolean refilling = new AtomicBoolean();
        volatile long expiresAtNanos;
        volatile long deniedUntilNanos;
        volatile long lastRemaining;
        volatile long lastResetMillis;

        /** @return the tokens left after taking one, or -1 when none was there */
        int take(long now) {
            if (now > expiresAtNanos) {
                // expired tokens stay unusable; only add() clears them, so that a take never wipes a fresh add
                return -1;
            }
            while (true) {
                int current = tokens.get();
                if (current <= 0) {
                    return -1;
                }
                if (tokens.compareAndSet(current, current - 1)) {
                    return current - 1;
                }
            }
        }

        /**
         * Serialised: refunds and lease grants arrive from several threads, and two adds to an expired lease must not
         * clear each other's tokens. Clearing comes before the new expiry, so a concurrent take never sees old tokens
         * as valid.
         */
        synchronized void add(int count, long now) {
            if (now > expiresAtNanos) {
                tokens.set(0);
            }
            expiresAtNanos = now + LEASE_TTL.toNanos();
            tokens.addAndGet(Math.max(0, count));
        }
    }
}
