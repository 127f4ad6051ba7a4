package dev.portcullis.gateway.revocation;

import dev.portcullis.gateway.token.VerifiedToken;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Map;
import reactor.core.publisher.Mono;

/**
 * Asks the local {@link RevocationView} while it is live, and Redis directly otherwise (start-up, a lost subscription,
 * Redis trouble). Times each check by source and outcome ({@code portcullis.revocation.checks}).
 */
public final class FallbackRevocationChecker implements RevocationChecker {

    private final RevocationView view;
    private final RevocationChecker lookup;
    private final Map<RevocationStatus, Timer> viewTimers = new EnumMap<>(RevocationStatus.class);
    private final Map<RevocationStatus, Timer> lookupTimers = new EnumMap<>(RevocationStatus.class);
    private final MeterRegistry meters;

    /** @param view null in {@code lookup} mode */
    public FallbackRevocationChecker(RevocationView view, RevocationChecker lookup, MeterRegistry meters) {
        this.view = view;
        this.lookup = lookup;
        this.meters = meters;
        for (RevocationStatus status : RevocationStatus.values()) {
            viewTimers.put(status, timer("view", status));
            lookupTimers.put(status, timer("redis", status));
        }
    }

    private Timer timer(String source, RevocationStatus status) {
        return Timer.builder("portcullis.revocation.checks")
                .description("Revocation checks by where they were answered and what they said")
                .tag("source", source).tag("outcome", status.tag())
                .register(meters);
    }

    @Override
    public Mono<RevocationStatus> check(VerifiedToken token) {
        if (view != null && view.isLive()) {
            long start = System.nanoTime();
            RevocationStatus status = view.statusOf(token);
            viewTimers.get(status).record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
            return Mono.just(status);
        }
        long start = System.nanoTime();
        return lookup.check(token).doOnNext(status ->
                lookupTimers.get(status).record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS));
    }

    public boolean viewIsLive() {
        return view != null && view.isLive();
    }
}
