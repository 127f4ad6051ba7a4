package dev.portcullis.gateway.observability;

import dev.portcullis.contract.TraceParent;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.Tracer;
import org.springframework.web.server.ServerWebExchange;

/**
 * One Micrometer Tracing server span per request, exported by whatever exporter Spring Boot configured (OTLP when
 * {@code management.opentelemetry.tracing.export.otlp.endpoint} is set). A client's well-formed {@code traceparent} is
 * the span's remote parent, so the client's sampling decision is kept; otherwise the tracer's sampler decides
 * ({@code management.tracing.sampling.probability}). The span is tagged with the route, method and status of the access
 * log, all bounded, and never with the path or the user.
 */
public final class ExportingRequestTracing implements RequestTracing {

    static final String SPAN = ExportingRequestTracing.class.getName() + ".span";

    private final Tracer tracer;

    public ExportingRequestTracing(Tracer tracer) {
        this.tracer = tracer;
    }

    @Override
    public TraceParent begin(ServerWebExchange exchange, TraceParent client) {
        Span.Builder builder = tracer.spanBuilder().kind(Span.Kind.SERVER);
        if (client != null) {
            builder.setParent(tracer.traceContextBuilder().traceId(client.traceId()).spanId(client.spanId())
                    .sampled(client.sampled()).build());
        } else {
            builder.setNoParent();
        }
        Span span = builder.name("http " + exchange.getRequest().getMethod().name()).start();
        exchange.getAttributes().put(SPAN, span);
        TraceContext context = span.context();
        return new TraceParent(context.traceId(), context.spanId(), Boolean.TRUE.equals(context.sampled()));
    }

    @Override
    public void end(ServerWebExchange exchange, String route, String method, int status) {
        Span span = exchange.getAttribute(SPAN);
        if (span == null) {
            return;
        }
        span.name("http " + method + " " + route)
                .tag("portcullis.route", route)
                .tag("http.request.method", method)
                .tag("http.response.status_code", Integer.toString(status));
        if (status >= 500) {
            span.tag("error.type", Integer.toString(status));
        }
        span.end();
    }
}
