package dev.portcullis.gateway.support;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.http.HttpHeaders;
import reactor.core.publisher.Flux;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;

/**
 * The upstream of the stream routes ({@code it-ws}, {@code it-sse}): a Reactor Netty server in the test JVM, since
 * WireMock speaks neither WebSocket nor Server-Sent Events. It records what it received: the headers of each upgrade
 * and SSE request, the close status of each WebSocket, and how many SSE streams the gateway cancelled.
 * <ul>
 *   <li>{@code /it/ws/**}: echoes every text message with {@code echo:} before it;</li>
 *   <li>{@code /it/sse/**}: an endless {@code text/event-stream}, one event {@code tick-<n>} every 50 ms;
 *       {@code /it/sse/finite} ends it after ten.</li>
 * </ul>
 */
public final class StreamUpstream {

    /** One request's headers, in the order they came. */
    public static final List<HttpHeaders> requests = new CopyOnWriteArrayList<>();
    /** The close status code each WebSocket session ended with, as this upstream saw it. */
    public static final List<Integer> closeCodes = new CopyOnWriteArrayList<>();
    /** SSE streams that ended because the reader (the gateway) went away. */
    public static final AtomicInteger cancelledEventStreams = new AtomicInteger();

    private static DisposableServer server;

    private StreamUpstream() {
    }

    public static synchronized int port() {
        if (server == null) {
            server = HttpServer.create().host("127.0.0.1").port(0)
                    .route(routes -> routes
                            .ws("/it/ws/{rest}", StreamUpstream::echo)
                            .get("/it/sse/{rest}", (request, response) -> {
                                requests.add(copy(request.requestHeaders()));
                                Flux<Long> ticks = Flux.interval(Duration.ofMillis(50));
                                if ("finite".equals(request.param("rest"))) {
                                    ticks = ticks.take(10);
                                }
                                return response.header("Content-Type", "text/event-stream")
                                        .sendString(ticks.map(n -> "data: tick-" + n + "\n\n")
                                                .doOnCancel(cancelledEventStreams::incrementAndGet));
                            }))
                    .bindNow();
        }
        return server.port();
    }

    private static org.reactivestreams.Publisher<Void> echo(WebsocketInbound in, WebsocketOutbound out) {
        requests.add(copy(in.headers()));
        in.receiveCloseStatus().subscribe(status -> closeCodes.add(status.code()));
        return out.sendString(in.receive().asString().map(text -> "echo:" + text));
    }

    private static HttpHeaders copy(io.netty.handler.codec.http.HttpHeaders headers) {
        HttpHeaders copy = new HttpHeaders();
        headers.forEach(entry -> copy.add(entry.getKey(), entry.getValue()));
        return copy;
    }

    /** Forgets what was recorded (each test starts from nothing). */
    public static void reset() {
        requests.clear();
        closeCodes.clear();
        cancelledEventStreams.set(0);
    }
}
