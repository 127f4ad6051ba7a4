package dev.portcullis.gateway.observability;

import dev.portcullis.contract.IdentityHeaders;
import dev.portcullis.gateway.security.VerifiedToken;
import dev.portcullis.gateway.web.EdgeAttributes;
import dev.portcullis.gateway.web.Rejection;
import dev.portcullis.gateway.web.RequestIds;
import dev.portcullis.gateway.web.RequestLineGuard;
import dev.portcullis.gateway.web.RequestMethods;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * The first thing every request meets: it fixes the request id (kept from the client when well-formed, else
 * generated; echoed on the response, sent upstream by {@code UpstreamIdentityHeadersFilter}), and when the exchange ends writes one access-log line and records the request
 * metrics. The line has request id, route, method, path (never the query string, which may carry secrets), status,
 * latency, user id and rejection reason — and never a token.
 *
 * <p>Every field is bounded, whatever the client sends: the route id comes from configuration, the method is one of
 * {@link RequestMethods} or {@value RequestMethods#OTHER}, the path is cut at 512 characters with control characters,
 * quotes and backslashes replaced, the request id is well-formed or generated, the user is a header-safe claim. Requests
 * {@link RequestLineGuard} refuses before any filter runs are logged and counted here too ({@link #refused}).
 */
public final class AccessLogWebFilter implements WebFilter, Ordered, RequestLineGuard.Refusals {

    /** First of all: every other filter's outcome, including early rejections, must be logged and counted. */
    public static final int ORDER = Ordered.HIGHEST_PRECEDENCE;

    private static final Logger accessLog = LoggerFactory.getLogger("portcullis.access");

    private final EdgeMetrics metrics;
    private final RequestMethods methods;

    public AccessLogWebFilter(EdgeMetrics metrics, RequestMethods methods) {
        this.metrics = metrics;
        this.methods = methods;
    }

    @Override
    public int getOrder() {
        return ORDER;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        long start = System.nanoTime();
        ServerHttpRequest request = exchange.getRequest();
        String offered = request.getHeaders().getFirst(IdentityHeaders.REQUEST_ID);
        String requestId = RequestIds.isWellFormed(offered) ? offered : RequestIds.generate();
        exchange.getAttributes().put(EdgeAttributes.REQUEST_ID, requestId);
        // The request itself is not copied here: UpstreamIdentityHeadersFilter sends the id upstream on the copy
        // of the request headers it makes anyway.
        exchange.getResponse().getHeaders().set(IdentityHeaders.REQUEST_ID, requestId);
        return chain.filter(exchange).doFinally(signal -> record(exchange, requestId, start));
    }

    private void record(ServerWebExchange exchange, String requestId, long start) {
        long nanos = System.nanoTime() - start;
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
        if (accessLog.isInfoEnabled()) {
            Object note = exchange.getAttribute(EdgeAttributes.NOTE);
            accessLog.info("request_id={} route={} method={} path=\"{}\" status={} latency_ms={} user={} reason={}{}",
                    requestId, routeId, method, sanitize(exchange.getRequest().getPath().value()), code,
                    millis(nanos), token != null ? token.subject() : "-",
                    rejection != null ? rejection.reason().tag() : "-", note != null ? " note=" + note : "");
        }
    }

    /** A request refused from its request line alone: no route, no user, no latency worth measuring. */
    @Override
    public void refused(String requestId, String method, String target, Rejection rejection, int status) {
        metrics.recordRequest("none", method, status, 0);
        metrics.recordRejection(rejection.reason().tag(), "none");
        if (accessLog.isInfoEnabled()) {
            int query = target.indexOf('?');
            accessLog.info("request_id={} route=none method={} path=\"{}\" status={} latency_ms=0.000 user=- reason={}",
                    requestId, method, sanitize(query >= 0 ? target.substring(0, query) : target), status,
                    rejection.reason().tag());
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
