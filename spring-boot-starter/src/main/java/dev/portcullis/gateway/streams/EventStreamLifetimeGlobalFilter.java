package dev.portcullis.gateway.streams;

import dev.portcullis.gateway.token.VerifiedToken;
import dev.portcullis.gateway.web.EdgeAttributes;
import dev.portcullis.gateway.web.EdgeFilterOrder;
import org.reactivestreams.Publisher;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Ends a Server-Sent Events response ({@code text/event-stream}) when the token of its request expires or is revoked:
 * the body is cut after the last whole event the upstream sent, the response completes (the client sees the stream
 * end, and reconnects with a fresh token if it has one) and the upstream connection is released. Only authenticated
 * requests are watched; every other response passes untouched. Nothing here buffers: each event the upstream sends is
 * flushed on (Spring Cloud Gateway writes streaming media types with a flush per chunk).
 */
public final class EventStreamLifetimeGlobalFilter implements GlobalFilter, Ordered {

    private final OpenStreams streams;

    public EventStreamLifetimeGlobalFilter(OpenStreams streams) {
        this.streams = streams;
    }

    @Override
    public int getOrder() {
        // the sequence of every filter, and why: EdgeFilterOrder
        return EdgeFilterOrder.EVENT_STREAM_LIFETIME;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        VerifiedToken token = exchange.getAttribute(EdgeAttributes.TOKEN);
        if (token == null || "websocket".equalsIgnoreCase(exchange.getRequest().getHeaders().getUpgrade())) {
            return chain.filter(exchange); // public route, or a WebSocket (StreamClosingWebSocketService watches those)
        }
        return chain.filter(exchange.mutate().response(new EndingWithToken(exchange.getResponse(), token)).build());
    }

    private final class EndingWithToken extends ServerHttpResponseDecorator {

        private final VerifiedToken token;

        EndingWithToken(ServerHttpResponse delegate, VerifiedToken token) {
            super(delegate);
            this.token = token;
        }

        private boolean isEventStream() {
            MediaType type = getHeaders().getContentType();
            return type != null && MediaType.TEXT_EVENT_STREAM.isCompatibleWith(type);
        }

        @Override
        public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
            return super.writeWith(isEventStream() ? endingWithToken(Flux.from(body)) : body);
        }

        @Override
        public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
            return super.writeAndFlushWith(isEventStream() ? endingWithToken(Flux.from(body)) : body);
        }

        private <T> Flux<T> endingWithToken(Flux<T> body) {
            return Flux.defer(() -> {
                Sinks.One<StreamCloseCause> end = Sinks.one();
                OpenStreams.Stream stream = streams.open(OpenStreams.Kind.SSE, token, end::tryEmitValue);
                if (stream == null) {
                    return Flux.empty(); // over capacity: ended at once (failure policy in OpenStreams)
                }
                // cancelling the upstream body releases the upstream connection; completing ends the client's stream
                return body.takeUntilOther(end.asMono()).doFinally(signal -> stream.ended());
            });
        }
    }
}
