package dev.portcullis.benchmarks.backend;

import io.netty.handler.codec.http.HttpHeaderNames;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * The upstream service of the load test: answers {@code {"ok":true}} to every request, and serves the JWKS file named by
 * {@code JWKS_FILE} at {@code /.well-known/jwks.json} (the gateways' key source). Reactor Netty on the loopback.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar dev.portcullis.benchmarks.backend.BackendStandIn} with env
 * {@code BACKEND_PORT} (default 8099) and {@code JWKS_FILE} (optional).
 */
public final class BackendStandIn {

    private static final byte[] OK = "{\"ok\":true}".getBytes(StandardCharsets.US_ASCII);

    private BackendStandIn() {
    }

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(System.getenv().getOrDefault("BACKEND_PORT", "8099"));
        String jwksFile = System.getenv("JWKS_FILE");
        byte[] jwks = jwksFile == null ? null : Files.readAllBytes(Path.of(jwksFile));
        DisposableServer server = HttpServer.create()
                .host("127.0.0.1")
                .port(port)
                .handle((request, response) -> {
                    byte[] body = jwks != null && request.uri().startsWith("/.well-known/jwks.json") ? jwks : OK;
                    return response.header(HttpHeaderNames.CONTENT_TYPE, "application/json")
                            .header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(body.length))
                            .sendByteArray(Mono.just(body))
                            .then();
                })
                .bindNow();
        System.out.println("backend stand-in listening on 127.0.0.1:" + server.port());
        server.onDispose().block();
    }
}
