package dev.portcullis.gateway.observability;

import dev.portcullis.contract.TraceParent;
import dev.portcullis.gateway.token.VerifiedToken;
import dev.portcullis.gateway.web.EdgeAttributes;
import dev.portcullis.gateway.web.EdgeFilterOrder;
import dev.portcullis.gateway.web.Rejection;
import dev.portcullis.gateway.web.RequestIdWebFilter;
import dev.portcullis.gateway.web.RequestLineGuard;
import dev.portcullis.gateway.web.RequestMethods;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * The first filter every request meets: it fixes the trace context (the client's {@code traceparent} continued when
 * well-formed, else a new trace: {@link RequestTracing}; sent upstream by {@link TraceContextHeadersFilter}), and
 * when the exchange ends writes one access-log line and records the request metrics. The line has request id, route,
 * method, path (never the query string, which may carry secrets), status,
 * latency, user id, rejection reason and trace id — and never a token. The request id is fixed by the next filter,
 * {@link RequestIdWebFilter}.
 *
 * <p>Two shapes of line, chosen at start-up with the console's format ({@code logging.structured.format.console}, README:
 * access log): plain text {@code key=value} pairs (the default), or, under a structured format (ECS, Logstash, GELF),
 * the same fields as key-value pairs of the event, which Spring Boot's JSON formatters write as members of the line.
 *
 * <p>Every field is bounded, whatever the client sends: the route id comes from configuration, the method is one of
 * {@link RequestMethods} or {@value RequestMethods#OTHER}, the path is cut at 512 characters with control characters,
 * quotes and backslashes replaced, the request id is well-formed or generated, the user is a header-safe claim. Requests
 * {@link RequestLineGuard} refuses before any filter runs are logged and counted here too ({@link #refused}).
 */
public final class AccessLogWebFilter implements WebFilter, Ordered, RequestLineGuard.Refusals {

    private static final Logger accessLog = LoggerFactory.getLogger("portcullis.access");

    private final EdgeMetrics metrics;
    private final RequestMethods methods;
    private final RequestTracing tracing;
    private final boolean structured;

    /** @param structured whether the console writes JSON: then the fields go out as key-value pairs, not as text */
    public AccessLogWebFilter(EdgeMetrics metrics, RequestMethods methods, RequestTracing tracing, boolean structured) {
        this.metrics = metrics;
        this.methods = methods;
        this.tracing = tracing;
        this.structured = structured;
    }

    @Override
    public int getOrder() {
        // the sequence of every filter, and why: EdgeFilterOrder
        return EdgeFilterOrder.ACCESS_LOG;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        long start = System.nanoTime();
        HttpHeaders headers = exchange.getRequest().getHeaders();
        TraceParent client = TraceParent.parse(headers.getFirst(TraceParent.HEADER));
        TraceParent trace = tracing.begin(exchange, client);
        exchange.getAttributes().put(EdgeAttributes.TRACE, trace);
        if (client != null) {
            // the state belongs to the client's trace: forwarded only with it, and only when bounded and printable
            String state = headers.getFirst(TraceParent.STATE_HEADER);
            if (TraceParent.isForwardableState(state)) {
                exchange.getAttributes().put(EdgeAttributes.TRACE_STATE, state);
            }
        }
        return chain.filter(exchange).doFinally(signal -> record(exchange, trace, start));
    }

    private void record(ServerWebExchange exchange, TraceParent trace, long start) {
        long nanos = System.nanoTime() - start;
        // set by RequestIdWebFilter, the next filter, before anything can answer
        String requestId = exchange.getAttribute(EdgeAttributes.REQUEST_ID);
        Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
        String routeId = route != null ? route.getId() : "none";
        HttpStatusCode status = exchange.getResponse().getStatusCode();
        int code = status != null ? status.value() : 200;
        Rejection rejection = exchange.getAttribute(EdgeAttributes.REJECTION);
        VerifiedToken token = exchange.getAttribute(EdgeAttributes.TOKEN);
        String method = methods.tag(exchange.getRequest().getMethod().name());
        metrics.recordRequest(routeId, method, code, nanos);
        if (rejection != null) {
            metrics.recordRejection(rejection.reason().tag(), routeId);
        }
        tracing.end(exchange, routeId, method, code);
        if (accessLog.isInfoEnabled()) {
            Object note = exchange.getAttribute(EdgeAttributes.NOTE);
            String path = sanitize(exchange.getRequest().getPath().value());
            String user = token != null ? token.subject() : null;
            String reason = rejection != null ? rejection.reason().tag() : null;
            if (structured) {
                logStructured(requestId, routeId, method, path, code, nanos, user, reason, note, trace);
            } else {
                accessLog.info("request_id={} route={} method={} path=\"{}\" status={} latency_ms={} user={} reason={} trace_id={}{}",
                        requestId, routeId, method, path, code, millis(nanos), user != null ? user : "-",
                        reason != null ? reason : "-", trace.traceId(), note != null ? " note=" + note : "");
            }
        }
    }

    /**
     * The line's fields as the event's key-value pairs (JSON members; absent ones left out), the message a short
     * summary. {@code traceId} and {@code spanId} have the names Micrometer Tracing gives them in every Spring service's
     * log lines, so one query finds the gateway's line and the services'.
     */
    private static void logStructured(String requestId, String routeId, String method, String path, int status, long nanos,
                                      String user, String reason, Object note, TraceParent trace) {
        LoggingEventBuilder line = accessLog.atInfo()
                .addKeyValue("request_id", requestId)
                .addKeyValue("route", routeId)
                .addKeyValue("method", method)
                .addKeyValue("path", path)
                .addKeyValue("status", status)
                .addKeyValue("latency_ms", Math.round(nanos / 1000.0) / 1000.0)
                .addKeyValue("traceId", trace.traceId())
                .addKeyValue("spanId", trace.spanId());
        if (user != null) {
            line.addKeyValue("user", user);
        }
        if (reason != null) {
            line.addKeyValue("reason", reason);
        }
        if (note != null) {
            line.addKeyValue("note", note.toString());
        }
        line.log(method + " " + path + " " + status);
    }

    /** A request refused from its request line alone: no route, no user, no latency worth measuring. */
    @Override
    public void refused(String requestId, TraceParent trace, String method, String target, Rejection rejection, int status) {
        metrics.recordRequest("none", method, status, 0);
        metrics.recordRejection(rejection.reason().tag(), "none");
        if (accessLog.isInfoEnabled()) {
            int query = target.indexOf('?');
            String path = sanitize(query >= 0 ? target.substring(0, query) : target);
            if (structured) {
                logStructured(requestId, "none", method, path, status, 0, null, rejection.reason().tag(), null, trace);
            } else {
                accessLog.info("request_id={} route=none method={} path=\"{}\" status={} latency_ms=0.000 user=- reason={} trace_id={}",
                        requestId, method, path, status, rejection.reason().tag(), trace.traceId());
            }
        }
    }

    /** Milliseconds with three decimals, without String.format on every request. */
    static String millis(long nanos) {
        long micros = nanos / 1000;
        long fraction = micros % 1000;
        return (micros / 1000) + (fraction < 10 ? ".00" : fraction < 100 ? ".0" : ".") + fraction;
    }

    /** Log-injection guard: the path is client data. Bounded, one line, no quote to end the field early. */
    static String sanitize(String path) {
        StringBuilder out = new StringBuilder(Math.min(path.length(), 512));
        for (int i = 0; i < path.length() && i < 512; i++) {
            char c = path.charAt(i);
            out.append(c < 0x20 || c > 0x7e || c == '"' || c == '\\' ? '_' : c);
        }
        return out.toString();
    }
}
