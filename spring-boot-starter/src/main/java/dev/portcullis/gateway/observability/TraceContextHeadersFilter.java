package dev.portcullis.gateway.observability;

import dev.portcullis.contract.TraceParent;
import dev.portcullis.gateway.web.EdgeAttributes;
import dev.portcullis.gateway.web.EdgeFilterOrder;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;

/**
 * Writes the W3C trace context on the headers that leave for the upstream: {@code traceparent} with the request's
 * trace id and the gateway's span id as the parent ({@link RequestTracing}), and {@code tracestate} only when the
 * client's trace was continued and its state is forwardable ({@link TraceParent#isForwardableState}). Whatever the client
 * sent under those names is replaced or removed, so a malformed {@code traceparent} never reaches a service.
 *
 * <p>The one place trace headers are written, whether or not spans are exported: Spring Cloud Gateway's observability
 * (which would write them from its own client span) stays off (application.yml). No copy of its own: like the other
 * header filters of the gateway, it writes on the fresh headers the earlier filters handed over.
 */
public final class TraceContextHeadersFilter implements HttpHeadersFilter, Ordered {

    @Override
    public int getOrder() {
        // the sequence of every filter, and why: EdgeFilterOrder
        return EdgeFilterOrder.UPSTREAM_HEADERS;
    }

    @Override
    public HttpHeaders filter(HttpHeaders input, ServerWebExchange exchange) {
        HttpHeaders out = input == exchange.getRequest().getHeaders() ? HttpHeaders.copyOf(input) : input;
        TraceParent trace = exchange.getAttribute(EdgeAttributes.TRACE);
        String state = exchange.getAttribute(EdgeAttributes.TRACE_STATE);
        if (trace == null) {
            out.remove(TraceParent.HEADER);
        } else {
            out.set(TraceParent.HEADER, trace.header());
        }
        if (trace == null || state == null) {
            out.remove(TraceParent.STATE_HEADER);
        } else {
            out.set(TraceParent.STATE_HEADER, state);
        }
        return out;
    }
}
