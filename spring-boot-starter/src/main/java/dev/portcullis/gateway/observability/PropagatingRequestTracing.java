package dev.portcullis.gateway.observability;

import dev.portcullis.contract.TraceParent;
import org.springframework.web.server.ServerWebExchange;

/**
 * Trace context without recording anything: the client's trace is continued with a new span id (its sampled flag kept,
 * since a service that records may follow it), a request without a well-formed {@code traceparent} starts a trace
 * marked unsampled (the gateway recorded nothing). The default: no Micrometer observation, no span object, no exporter.
 */
public final class PropagatingRequestTracing implements RequestTracing {

    @Override
    public TraceParent begin(ServerWebExchange exchange, TraceParent client) {
        return client != null ? client.child(client.sampled()) : TraceParent.generate();
    }

    @Override
    public void end(ServerWebExchange exchange, String route, String method, int status) {
        // nothing was recorded
    }
}
