package dev.portcullis.gateway.observability;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's own meters: {@code portcullis.gateway.requests} (timer with a latency histogram, by route, method and
 * status) and {@code portcullis.gateway.rejections} (by reason and route). Meters are looked up in local maps keyed by
 * their tags, so the hot path does not build tag lists per request. Tag values are bounded, never taken from what a
 * client sends: route ids come from configuration ({@code none} without a route), methods from
 * {@code RequestMethods#tag} (a known method or {@code OTHER}), statuses are three-digit codes, reasons an enum.
 */
public final class EdgeMetrics {

    static final Duration[] SLO_BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5),
        Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
        Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
        Duration.ofSeconds(5), Duration.ofSeconds(10)};

    private final MeterRegistry registry;
    private final ConcurrentMap<String, Timer> requestTimers = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Counter> rejectionCounters = new ConcurrentHashMap<>();

    public EdgeMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void recordRequest(String route, String method, int status, long nanos) {
        String key = route + '|' + method + '|' + status;
        Timer timer = requestTimers.computeIfAbsent(key, k -> Timer.builder("portcullis.gateway.requests")
                .description("Requests through the gateway by route, method and status")
                .tag("route", route).tag("method", method).tag("status", Integer.toString(status))
                // a dozen fixed buckets, not Micrometer's ~70 percentile buckets: the scrape stays small with
                // many routes x statuses, and histogram_quantile() still answers p50/p99
                .serviceLevelObjectives(SLO_BUCKETS)
                .register(registry));
        timer.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void recordRejection(String reason, String route) {
        rejectionCounters.computeIfAbsent(reason + '|' + route, k -> Counter.builder("portcullis.gateway.rejections")
                .description("Requests turned away at the edge, by reason")
                .tag("reason", reason).tag("route", route)
                .register(registry)).increment();
    }
}
