package dev.portcullis.gateway.policy;

import dev.portcullis.gateway.web.EdgeAttributes;
import dev.portcullis.gateway.web.Rejection;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.springframework.web.server.ServerWebExchange;

/**
 * Compares a route's shadow-policy decision with the live one and makes every difference visible: counted in
 * {@code portcullis.policies.shadow_mismatches{route, reason}} ({@code reason} is the rejection the shadow policy would
 * answer with, or {@code would_allow}) and noted on the request's access-log line ({@code note=shadow:<reason>}). It
 * never changes the response: the shadow policy is a dry run.
 */
public final class ShadowPolicyMonitor {

    /** The reason tag of a request the shadow policy would let through but the live one refuses. */
    public static final String WOULD_ALLOW = "would_allow";

    private final MeterRegistry meters;
    /** One counter per route and reason (routes are configured, reasons an enum: bounded). */
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    public ShadowPolicyMonitor(MeterRegistry meters) {
        this.meters = meters;
    }

    /**
     * @param live   the live decision: null for allowed
     * @param shadow the shadow policy's decision: null for allowed
     * @return whether the two differ (refusing for another reason is a difference too)
     */
    public boolean compare(ServerWebExchange exchange, String routeId, @Nullable Rejection live, @Nullable Rejection shadow) {
        if (live == null && shadow == null
                || live != null && shadow != null && Objects.equals(live.reason(), shadow.reason())) {
            return false;
        }
        String reason = shadow == null ? WOULD_ALLOW : shadow.reason().tag();
        counters.computeIfAbsent(routeId + '\n' + reason, key -> Counter.builder("portcullis.policies.shadow_mismatches")
                .tag("route", routeId).tag("reason", reason)
                .description("Requests where the route's shadow policy decides otherwise than its live policy")
                .register(meters)).increment();
        String note = "shadow:" + reason;
        Object earlier = exchange.getAttribute(EdgeAttributes.NOTE);
        exchange.getAttributes().put(EdgeAttributes.NOTE, earlier == null ? note : earlier + "," + note);
        return true;
    }
}
