package dev.portcullis.gateway.failover;

import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.contract.IdentityHeaders;
import dev.portcullis.contract.RevocationMessage;
import dev.portcullis.contract.RevocationScript;
import dev.portcullis.gateway.revocation.RevocationFeed;
import dev.portcullis.gateway.support.FailoverTraffic;
import dev.portcullis.gateway.support.GatewayIntegrationTest;
import dev.portcullis.redis.RedisConnections;
import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * What the Cluster and the Sentinel fail-over tests share: two gateway instances on the same Redis (this test's
 * context and a second one), client traffic on both, a kill, and the measurement of what it cost.
 */
abstract class RedisFailoverTestSupport extends GatewayIntegrationTest {

    private static final Logger log = LoggerFactory.getLogger(RedisFailoverTestSupport.class);
    static final String PATH = "/api/users/me";
    /** Client threads over both instances: enough for a few hundred requests a second on a small machine. */
    static final int CLIENT_THREADS = 4;
    /**
     * How long after Redis is healthy again an instance may still refuse: the target is 2 s; the bound is generous
     * for a loaded two-core CI machine (the figures measured go to the README).
     */
    static final Duration RECOVERY_BOUND = Duration.ofSeconds(6);

    private static ConfigurableApplicationContext second;

    @Autowired
    RevocationFeed view;

    /** Settings of both instances: the Redis under test, and limits that this much traffic does not reach. */
    static void failoverProperties(DynamicPropertyRegistry registry, Supplier<Object> url) {
        registry.add("portcullis.redis.url", url);
        registry.add("portcullis.rate-limit.authenticated.requests", () -> "100000000");
        // like the rate limiter's (GatewayIntegrationTest): a loaded CI machine must not turn a slow answer into a 503
        registry.add("portcullis.revocation.lookup-timeout", () -> LOOKUP_TIMEOUT);
    }

    static final String LOOKUP_TIMEOUT = "2s";

    static synchronized ConfigurableApplicationContext secondInstance(String url) {
        if (second == null) {
            second = startSecondInstance("--portcullis.redis.url=" + url,
                    "--portcullis.rate-limit.authenticated.requests=100000000",
                    "--portcullis.revocation.lookup-timeout=" + LOOKUP_TIMEOUT);
        }
        return second;
    }

    @AfterAll
    static void stopSecondInstance() {
        if (second != null) {
            second.close();
            second = null;
        }
    }

    static int portOf(ConfigurableApplicationContext context) {
        return Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
    }

    /** What one fail-over cost, as measured from outside. */
    record Outcome(String what, Duration redisFailover, List<Duration> refusedWindows, List<Duration> servingAfterHealthy,
                   FailoverTraffic traffic) {

        void log() {
            String line = String.format("what=%s redis_failover_ms=%d refused_window_ms=%s serving_after_healthy_ms=%s statuses=%s%n",
                    what, redisFailover.toMillis(), refusedWindows.stream().map(Duration::toMillis).toList(),
                    servingAfterHealthy.stream().map(Duration::toMillis).toList(), List.of(traffic.statuses(0), traffic.statuses(1)));
            // also kept in a file of the build, which benchmarks/failover-test.sh reads back
            try {
                java.nio.file.Files.writeString(java.nio.file.Path.of("target", "failover-measurements.log"), line,
                        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            } catch (java.io.IOException e) {
                log.warn("cannot record the measurement: {}", e.toString());
            }
            log.info("event=test_measurement what={} redis_failover_ms={} refused_window_ms={} serving_after_healthy_ms={} statuses={}",
                    what, redisFailover.toMillis(), refusedWindows.stream().map(Duration::toMillis).toList(),
                    servingAfterHealthy.stream().map(Duration::toMillis).toList(),
                    List.of(traffic.statuses(0), traffic.statuses(1)));
        }
    }

    /**
     * Runs traffic on both instances with a good token and one revoked beforehand, calls {@code kill}, waits for
     * {@code awaitHealthy} (Redis' own view of its recovery), then until both instances serve again and a little
     * longer, and returns what was seen.
     */
    Outcome failOver(String what, String url, String goodUser, Runnable kill, Supplier<Instant> awaitHealthy) throws Exception {
        ConfigurableApplicationContext other = secondInstance(url);
        RevocationFeed otherView = other.getBean(RevocationFeed.class);
        await().atMost(Duration.ofSeconds(30)).until(() -> view.isLive() && otherView.isLive());
        List<Integer> ports = List.of(port, portOf(other));

        String good = tokens.forUser(goodUser).sign();
        String revoked = tokens.forUser("revoked-before-" + what).sign();
        // both ready (key set loaded, view live) before anything is measured
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            for (int instance : ports) {
                assertThat(status(instance, good)).isEqualTo(200);
            }
        });
        revoke(url, revoked);
        // held on both instances before the fail-over (the one-second bound is asserted after it)
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            for (int instance : ports) {
                assertThat(status(instance, revoked)).isEqualTo(401);
            }
        });
        upstream.resetRequests();

        try (FailoverTraffic traffic = FailoverTraffic.start(CLIENT_THREADS, ports, PATH, good, revoked)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> traffic.servedSince(0, 0) && traffic.servedSince(1, 0));
            long killedAt = System.nanoTime();
            kill.run();
            Instant healthyAt = awaitHealthy.get();
            long healthyNanos = System.nanoTime() - Duration.between(healthyAt, Instant.now()).toNanos();
            // both serve again, then a second's worth of answers more, to see that they keep serving
            await().atMost(Duration.ofSeconds(30)).until(() -> traffic.servedSince(0, healthyNanos)
                    && traffic.servedSince(1, healthyNanos));
            long recovered = System.nanoTime();
            await().atMost(Duration.ofSeconds(10)).until(() -> System.nanoTime() - recovered > Duration.ofSeconds(1).toNanos()
                    && traffic.answeredSince(0, recovered) > 20 && traffic.answeredSince(1, recovered) > 20);
            traffic.close();

            List<Duration> windows = ports.stream().map(p -> traffic.refusedWindow(ports.indexOf(p))).toList();
            List<Duration> afterHealthy = ports.stream().map(p -> traffic.lastRefused(ports.indexOf(p)).stream()
                    .mapToObj(last -> Duration.ofNanos(Math.max(0, last - healthyNanos))).findFirst().orElse(Duration.ZERO)).toList();
            Outcome outcome = new Outcome(what, Duration.ofNanos(healthyNanos - killedAt), windows, afterHealthy, traffic);
            outcome.log();

            // no revoked token passed at any point, and none reached the service
            assertThat(traffic.revokedTokenAccepted()).isEmpty();
            upstream.verify(0, anyRequestedFor(urlPathEqualTo("/users/me"))
                    .withHeader(IdentityHeaders.USER_ID, equalTo("revoked-before-" + what)));
            upstream.verify(com.github.tomakehurst.wiremock.client.WireMock.moreThan(0), anyRequestedFor(urlPathEqualTo("/users/me"))
                    .withHeader(IdentityHeaders.USER_ID, equalTo(goodUser)));
            return outcome;
        }
    }

    /** A revocation written after the fail-over holds on both instances within a second. */
    void revocationAfterFailoverHoldsEverywhereWithinASecond(String url) throws Exception {
        ConfigurableApplicationContext other = secondInstance(url);
        List<Integer> ports = List.of(port, portOf(other));
        String token = tokens.forUser("revoked-after-failover").sign();
        for (int instance : ports) {
            assertThat(status(instance, token)).isEqualTo(200);
        }
        long written = System.nanoTime();
        revoke(url, token);
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(10)).untilAsserted(() -> {
            for (int instance : ports) {
                assertThat(status(instance, token)).isEqualTo(401);
            }
        });
        log.info("event=test_measurement what=revocation_after_failover_enforced_on_both took_ms={}",
                Duration.ofNanos(System.nanoTime() - written).toMillis());
    }

    int status(int instancePort, String token) {
        return client.mutate().baseUrl("http://localhost:" + instancePort).build()
                .get().uri(PATH).header("Authorization", "Bearer " + token).exchange()
                .returnResult(Void.class).getStatus().value();
    }

    /** Revokes {@code token} the way the auth service does: the contract's script, key, sequence and message in one step. */
    static void revoke(String url, String token) throws Exception {
        String jti = SignedJWT.parse(token).getJWTClaimsSet().getJWTID();
        RevocationMessage revocation = new RevocationMessage.TokenRevoked(jti, Instant.now().plusSeconds(900).toEpochMilli());
        // a fresh client each time: it learns the topology of now, after any fail-over
        try (RedisConnections redis = RedisConnections.connect(url, Duration.ofSeconds(2), Duration.ofSeconds(2))) {
            redis.reactive().eval(RevocationScript.LUA, ScriptOutputType.INTEGER, RevocationScript.keys(revocation),
                    RevocationScript.arguments(revocation, Duration.ofMinutes(16), dev.portcullis.contract.RevocationKeys.CHANNEL))
                    .blockLast(Duration.ofSeconds(5));
        }
    }
}
