package dev.portcullis.gateway.revocation;

import dev.portcullis.gateway.token.VerifiedToken;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Map;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * Asks the local {@link RevocationSet} while its {@link RevocationFeed} says it is live, and falls back to Redis
 * otherwise (start-up, a lost subscription, Redis trouble); in {@code lookup} mode ({@link #lookupOnly}) always
 * Redis. Times each check by source and outcome ({@code portcullis.revocation.checks}).
 */
public final class FallbackRevocationChecker implements RevocationChecker {

    /** The feed that fills {@link #set}, and says when it may be trusted; null in {@code lookup} mode. */
    private final @Nullable RevocationFeed feed;
    private final @Nullable RevocationSet set;
    private final RevocationChecker lookup;
    private final Map<RevocationStatus, Timer> viewTimers = new EnumMap<>(RevocationStatus.class);
    private final Map<RevocationStatus, Timer> lookupTimers = new EnumMap<>(RevocationStatus.class);
    private final MeterRegistry meters;

    private FallbackRevocationChecker(@Nullable RevocationFeed feed, @Nullable RevocationSet set, RevocationChecker lookup,
                                      MeterRegistry meters) {
        this.feed = feed;
        this.set = set;
        this.lookup = lookup;
        this.meters = meters;
        for (RevocationStatus status : RevocationStatus.values()) {
            viewTimers.put(status, timer("view", status));
            lookupTimers.put(status, timer("redis", status));
        }
    }

    /** {@code view} mode: the set while its feed is live, else {@code lookup}. */
    public static FallbackRevocationChecker viewFirst(RevocationFeed feed, RevocationSet set, RevocationChecker lookup,
                                                      MeterRegistry meters) {
        return new FallbackRevocationChecker(feed, set, lookup, meters);
    }

    /** {@code lookup} mode: every check asks Redis. */
    public static FallbackRevocationChecker lookupOnly(RevocationChecker lookup, MeterRegistry meters) {
        return new FallbackRevocationChecker(null, null, lookup, meters);
    }

    private Timer timer(String source, RevocationStatus status) {
        return Timer.builder("portcullis.revocation.checks")
                .description("Revocation checks by where they were answered and what they said")
                .tag("source", source).tag("outcome", status.tag())
                .register(meters);
    }

    @Override
    public Mono<RevocationStatus> check(VerifiedToken token) {
        if (feed != null && set != null && feed.isLive()) {
            long start = System.nanoTime();
            RevocationStatus status = set.statusOf(token);
            viewTimers.get(status).record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
            return Mono.just(status);
        }
        long start = System.nanoTime();
        return lookup.check(token).doOnNext(status ->
                lookupTimers.get(status).record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS));
    }

    /** Only a lookup answers UNKNOWN: its breaker decides. */
    @Override
    public Duration retryAfterUnknown() {
        return lookup.retryAfterUnknown();
    }

    public boolean viewIsLive() {
        return feed != null && feed.isLive();
    }
}
