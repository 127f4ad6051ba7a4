package dev.portcullis.gateway.streams;

import dev.portcullis.gateway.token.VerifiedToken;
import dev.portcullis.gateway.web.EdgeAttributes;
import java.util.List;
import java.util.function.Supplier;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.WebSocketSession;
import org.springframework.web.reactive.socket.server.WebSocketService;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Wraps the {@link WebSocketService} that Spring Cloud Gateway's {@code WebsocketRoutingFilter} upgrades with, so that
 * the client's session of an authenticated route is registered in {@link OpenStreams} and closed with 1008 (policy
 * violation) and {@code token expired} or {@code token revoked} when its token ends. The gateway's proxy passes the
 * close on to the upstream session. The upgrade request itself went through the whole filter chain first, so it was
 * authenticated, authorized and rate limited like any request, and its identity headers go to the upstream.
 */
public final class StreamClosingWebSocketService implements WebSocketService {

    private final WebSocketService delegate;
    private final Supplier<OpenStreams> streams;

    /** @param streams looked up on first use: this wraps a bean built before the registry */
    public StreamClosingWebSocketService(WebSocketService delegate, Supplier<OpenStreams> streams) {
        this.delegate = delegate;
        this.streams = streams;
    }

    @Override
    public Mono<Void> handleRequest(ServerWebExchange exchange, WebSocketHandler handler) {
        VerifiedToken token = exchange.getAttribute(EdgeAttributes.TOKEN);
        if (token == null) {
            return delegate.handleRequest(exchange, handler); // a public route: no token to end with
        }
        return delegate.handleRequest(exchange, new WebSocketHandler() {
            @Override
            public List<String> getSubProtocols() {
                return handler.getSubProtocols();
            }

            @Override
            public Mono<Void> handle(WebSocketSession session) {
                OpenStreams.Stream stream = streams.get().open(OpenStreams.Kind.WEBSOCKET, token,
                        cause -> session.close(cause.closeStatus()).subscribe());
                if (stream == null) {
                    // over capacity (failure policy in OpenStreams): closed before the upstream is dialled
                    return session.close(StreamCloseCause.CAPACITY.closeStatus());
                }
                return handler.handle(session).doFinally(signal -> stream.ended());
            }
        });
    }

    /** Wraps every {@link WebSocketService} bean (Spring Cloud Gateway declares one). */
    public static final class PostProcessor implements org.springframework.beans.factory.config.BeanPostProcessor {

        private final Supplier<OpenStreams> streams;

        public PostProcessor(Supplier<OpenStreams> streams) {
            this.streams = streams;
        }

        @Override
        public Object postProcessAfterInitialization(Object bean, String beanName) {
            return bean instanceof WebSocketService service && !(bean instanceof StreamClosingWebSocketService)
                    ? new StreamClosingWebSocketService(service, streams) : bean;
        }
    }
}
