package dev.portcullis.gateway.revocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.contract.RevocationMessage;
import dev.portcullis.gateway.support.GatewayIntegrationTest;
import dev.portcullis.testsupport.TestClients;
import dev.portcullis.testsupport.TestRevocations;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The published revocation guarantee is measured: each message is timed from the issue instant it carries to its
 * application here ({@code portcullis.revocation.lag}, against the edge's clock), and the channel's last sign of life
 * has an age ({@code portcullis.revocation.view.heartbeat.age.seconds}).
 */
class RevocationLagIntegrationTest extends GatewayIntegrationTest {

    private static final Logger log = LoggerFactory.getLogger(RevocationLagIntegrationTest.class);
    private static final int MEASURED_REVOCATIONS = 200;

    private static void write(RevocationMessage revocation) {
        TestRevocations.write(redis(), revocation);
    }

    @Test
    void aRevocationIsTimedFromTheIssueInstantItsMessageCarries() {
        double count = metric("portcullis_revocation_lag_seconds_count");
        double within250ms = metric("portcullis_revocation_lag_seconds_bucket", "le=\"0.25\"");
        double within500ms = metric("portcullis_revocation_lag_seconds_bucket", "le=\"0.5\"");

        // issued 300 ms ago by the edge's clock: whatever the transit adds, it lands between 250 ms and 500 ms
        write(new RevocationMessage.TokenRevoked("lag-jti", clock.millis() + 60_000).issuedAt(clock.millis() - 300));

        await().atMost(Duration.ofSeconds(2)).until(() -> metric("portcullis_revocation_lag_seconds_count") == count + 1);
        assertThat(metric("portcullis_revocation_lag_seconds_bucket", "le=\"0.25\"")).isEqualTo(within250ms);
        assertThat(metric("portcullis_revocation_lag_seconds_bucket", "le=\"0.5\"")).isEqualTo(within500ms + 1);
    }

    @Test
    void aMessageOfAnIssuerThatSendsNoIssueInstantIsAppliedAndCountedAsUnmeasured() {
        double count = metric("portcullis_revocation_lag_seconds_count");
        double unmeasured = metric("portcullis_revocation_lag_unmeasured_total");
        String jti = "old-format-" + java.util.UUID.randomUUID();
        String token = tokens.forUser("u-old-issuer").jti(jti).sign();

        write(new RevocationMessage.TokenRevoked(jti, clock.millis() + 60_000));

        await().atMost(Duration.ofSeconds(1)).untilAsserted(() ->
                getWithToken("/api/users/me", token).exchange().expectStatus().isUnauthorized());
        await().atMost(Duration.ofSeconds(1)).until(() -> metric("portcullis_revocation_lag_unmeasured_total") == unmeasured + 1);
        assertThat(metric("portcullis_revocation_lag_seconds_count")).isEqualTo(count);
    }

    @Test
    void theChannelsLastSignOfLifeIsYoungerThanTheOneSecondPromiseWhileRedisAnswers() {
        await().atMost(Duration.ofSeconds(5)).until(() -> metric("portcullis_revocation_view_heartbeat_age_seconds") < 0.5);
        assertThat(metric("portcullis_revocation_view_heartbeat_age_seconds")).isLessThan(1.0);
    }

    /**
     * The figure docs/security.md publishes: a second gateway on the system clock (this context's clock is frozen),
     * 200 revocations written one after the other through the real script with the writer's wall-clock instant, and
     * the lag histogram read from its /actuator/prometheus. Every one must hold within the one-second promise; the
     * buckets, the mean and the maximum are logged ({@code event=revocation_lag_measured}).
     */
    @Test
    void twoHundredRevocationsHoldWithinTheOneSecondPromiseOnAGatewayOnTheSystemClock() {
        try (ConfigurableApplicationContext second = startSecondInstance()) {
            WebTestClient management = TestClients.management(second.getEnvironment().getProperty("local.management.port"));
            await().atMost(Duration.ofSeconds(20)).until(() -> scrape(management, "portcullis_revocation_view_live").values()
                    .stream().mapToDouble(Double::doubleValue).sum() == 1.0);

            for (int i = 0; i < MEASURED_REVOCATIONS; i++) {
                long now = System.currentTimeMillis();
                write(new RevocationMessage.TokenRevoked("measured-" + UUID.randomUUID(), now + 60_000).issuedAt(now));
            }

            await().atMost(Duration.ofSeconds(5)).until(() -> total(scrape(management, "portcullis_revocation_lag_seconds_count"))
                    == MEASURED_REVOCATIONS);
            Map<String, Double> buckets = scrape(management, "portcullis_revocation_lag_seconds_bucket");
            double sum = total(scrape(management, "portcullis_revocation_lag_seconds_sum"));
            double max = total(scrape(management, "portcullis_revocation_lag_seconds_max"));
            log.info("event=revocation_lag_measured revocations={} mean_ms={} max_ms={} buckets={}", MEASURED_REVOCATIONS,
                    String.format("%.2f", sum * 1000 / MEASURED_REVOCATIONS), String.format("%.1f", max * 1000), buckets);
            assertThat(buckets.get("le=\"1.0\"")).as("revocations applied within one second").isEqualTo(MEASURED_REVOCATIONS);
        }
    }

    /** The samples of {@code metric}, keyed by their labels. */
    private static Map<String, Double> scrape(WebTestClient management, String metric) {
        String body = management.get().uri("/actuator/prometheus").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        Map<String, Double> samples = new TreeMap<>();
        body.lines().filter(line -> line.startsWith(metric + "{") || line.startsWith(metric + " ")).forEach(line -> {
            int open = line.indexOf('{');
            String labels = open < 0 ? "" : line.substring(open + 1, line.lastIndexOf('}'));
            samples.put(labels.replaceAll(".*(le=\"[^\"]+\").*", "$1"), Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
        });
        return samples;
    }

    private static double total(Map<String, Double> samples) {
        return samples.values().stream().mapToDouble(Double::doubleValue).sum();
    }
}
