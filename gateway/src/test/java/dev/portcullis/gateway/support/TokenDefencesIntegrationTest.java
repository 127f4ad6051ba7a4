package dev.portcullis.gateway.support;

import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * A gateway context for the tests of key removal and of the verification failure budget: the JWKS is polled every
 * {@value #POLL_INTERVAL_SECONDS} s, the failure budget is small ({@value #BUDGET} per hour, so that it never refills
 * during a test, and below 20 so that the limiter is exact: one Redis call per unit, no leases), and the test plays
 * the trusted proxy, so that each test can send from client addresses of its own ({@code X-Forwarded-For}).
 */
@TestPropertySource(properties = {
    "portcullis.jwt.jwks.poll-interval=" + TokenDefencesIntegrationTest.POLL_INTERVAL_SECONDS + "s",
    "portcullis.jwt.failure-budget.failures=" + TokenDefencesIntegrationTest.BUDGET,
    "portcullis.jwt.failure-budget.period=1h",
    "portcullis.http.trusted-proxies=127.0.0.1/32,::1/128"})
public abstract class TokenDefencesIntegrationTest extends GatewayIntegrationTest {

    public static final int POLL_INTERVAL_SECONDS = 2;
    public static final int BUDGET = 10;

    /** The same settings as arguments, for {@link #startSecondInstance}. */
    protected static final String[] SETTINGS = {
        "--portcullis.jwt.jwks.poll-interval=" + POLL_INTERVAL_SECONDS + "s",
        "--portcullis.jwt.failure-budget.failures=" + BUDGET,
        "--portcullis.jwt.failure-budget.period=1h",
        "--portcullis.http.trusted-proxies=127.0.0.1/32,::1/128"};

    private static final AtomicInteger addresses = new AtomicInteger();

    /** A client address no other test uses (TEST-NET-2), so that budgets never carry over between tests. */
    protected static String freshAddress() {
        int n = addresses.incrementAndGet();
        return "198.51." + (100 + n / 250) + "." + (1 + n % 250);
    }

    protected WebTestClient.RequestHeadersSpec<?> getWithToken(String path, String token, String clientAddress) {
        return getWithToken(path, token).header("X-Forwarded-For", clientAddress);
    }
}
