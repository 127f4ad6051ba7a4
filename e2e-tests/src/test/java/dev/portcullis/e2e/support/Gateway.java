package dev.portcullis.e2e.support;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The stack's public port, as clients see it. Each {@link Client} is one simulated client machine with its own
 * address (sent as {@code X-Forwarded-For} by the test, which plays the load balancer in front of the gateway).
 */
public final class Gateway {

    static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();

    /** A random second octet per run, so that limits a previous run left in a shared {@code REDIS_URL} never apply. */
    private static final int RUN = ThreadLocalRandom.current().nextInt(256);
    private static final AtomicInteger NEXT_CLIENT = new AtomicInteger(1);

    private final PortcullisStack stack;

    Gateway(PortcullisStack stack) {
        this.stack = stack;
    }

    /** A client on an address of its own. */
    public Client newClient() {
        int n = NEXT_CLIENT.getAndIncrement();
        return new Client(stack.gatewayUrl(), "10." + RUN + "." + (n / 250) + "." + (1 + n % 250));
    }

    /** Each application's management (actuator) URL by process name: for operators' checks, never for clients. */
    public java.util.Map<String, String> managementUrls() {
        return stack.managementUrls();
    }

    /** The public URL, as a browser opens it, e.g. {@code http://127.0.0.1:41234}. */
    public String url() {
        return stack.gatewayUrl();
    }

    /** The {@code iss} the stack's tokens carry (the gateway's public URL). */
    public String issuer() {
        return stack.issuer();
    }
}
