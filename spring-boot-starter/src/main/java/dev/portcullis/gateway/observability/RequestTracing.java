package dev.portcullis.gateway.observability;

import dev.portcullis.contract.TraceParent;
import org.springframework.web.server.ServerWebExchange;

/**
 * The gateway's span of a request: a child of the client's {@code traceparent} when it is well-formed, else the root
 * of a new trace. {@link AccessLogWebFilter} begins it first thing and ends it when the exchange ends;
 * {@link TraceContextHeadersFilter} sends it upstream as the parent of the service's span.
 *
 * <p>Two implementations, chosen at start-up (README: tracing): {@link PropagatingRequestTracing} when no span exporter
 * is configured (ids only: two random numbers and a header per request), {@link ExportingRequestTracing} when one is
 * (a Micrometer Tracing span per request, sampled and exported over OTLP).
 */
public interface RequestTracing {

    /**
     * @param client the client's {@code traceparent}, null when absent or malformed
     * @return the gateway's span: the same trace id as {@code client}'s (when given) and a span id of its own
     */
    TraceParent begin(ServerWebExchange exchange, TraceParent client);

    /** Ends the request's span, once, when the exchange has ended. */
    void end(ServerWebExchange exchange, String route, String method, int status);
}
