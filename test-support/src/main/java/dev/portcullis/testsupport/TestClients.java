package dev.portcullis.testsupport;

import java.time.Duration;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * {@link WebTestClient}s bound to a server on this machine, set up alike in every module: the base URL of the port and
 * a response timeout long enough for a loaded two-core build machine (the default 5 s is not), so that a slow answer
 * fails as a wrong answer would, not as a flake.
 */
public final class TestClients {

    /** Generous: a test that waits this long has failed anyway, and the default is too short under load. */
    public static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(30);

    private TestClients() {
    }

    /** A client builder for {@code http://localhost:<port>}; add filters or default headers, then build. */
    public static WebTestClient.Builder localhost(int port) {
        return WebTestClient.bindToServer().baseUrl("http://localhost:" + port).responseTimeout(RESPONSE_TIMEOUT);
    }

    /** As {@link #localhost(int)}, for a port as Spring's {@code local.server.port} property gives it. */
    public static WebTestClient.Builder localhost(String port) {
        return localhost(Integer.parseInt(port));
    }

    /** A client for a service behind the gateway: every request signed as the gateway signs ({@link GatewayIdentity}). */
    public static WebTestClient.Builder signedByTheGateway(int port) {
        return localhost(port).filter(GatewayIdentity.GATEWAY.signing());
    }

    /**
     * A client for an actuator: a Prometheus scrape with latency histograms per route and status soon outgrows the
     * default 256 KB in-memory limit.
     */
    public static WebTestClient management(int port) {
        return localhost(port).codecs(codecs -> codecs.defaultCodecs().maxInMemorySize(16 * 1024 * 1024)).build();
    }

    /** As {@link #management(int)}, for a port as Spring's {@code local.management.port} property gives it. */
    public static WebTestClient management(String port) {
        return management(Integer.parseInt(port));
    }
}
