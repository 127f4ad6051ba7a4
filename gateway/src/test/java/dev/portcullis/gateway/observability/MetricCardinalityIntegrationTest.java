package dev.portcullis.gateway.observability;

import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.gateway.support.GatewayIntegrationTest;
import dev.portcullis.gateway.support.RawHttp;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;

/**
 * Nothing a client sends becomes a metric tag value of its own: a flood of made-up methods, paths, request ids and
 * header names adds a bounded number of series, however long it goes on (each new series is memory that is never given
 * back, and a scrape that grows without end).
 */
class MetricCardinalityIntegrationTest extends GatewayIntegrationTest {

    private static final int FLOOD = 500;

    @Autowired
    MeterRegistry registry;

    @Test
    void eachRequestIsTimedOnceByTheGatewaysOwnBoundedTimer() {
        String token = tokens.forUser("u-timed").permissions("users:read").sign();
        RawHttp.send(port, "GET", "/api/users/timed", "Authorization: Bearer " + token);

        assertThat(registry.find("portcullis.gateway.requests").tag("route", "users").timer()).isNotNull();
        // Spring's server observation and Spring Cloud Gateway's own timer are switched off: they would time the
        // same request twice more, at a cost measured in benchmarks/README.md
        assertThat(registry.find("http.server.requests").meters()).isEmpty();
        assertThat(registry.find("spring.cloud.gateway.requests").meters()).isEmpty();
    }

    @Test
    void aFloodOfMadeUpMethodsPathsAndHeadersAddsABoundedNumberOfSeries() {
        String token = tokens.forUser("u-flood").permissions("users:read").sign();
        // warm up: the meters any ordinary traffic creates (one request of each kind the flood also sends)
        RawHttp.send(port, "GET", "/api/users/warm", "Authorization: Bearer " + token);
        RawHttp.send(port, "GET", "/nowhere/warm");
        RawHttp.send(port, "FOOBAR", "/api/users/warm");
        Set<String> before = seriesIds();
        int scrapeBefore = scrapeLines();

        Set<Integer> statuses = new HashSet<>();
        for (int i = 0; i < FLOOD; i++) {
            String random = randomLetters(8);
            RawHttp.Response answer = RawHttp.send(port, "X" + random.toUpperCase(), "/api/users/" + random,
                    "Authorization: Bearer " + token, "x-request-id: flood-" + random, "X-" + random + ": 1");
            statuses.add(answer.status());
            RawHttp.send(port, "GET", "/" + random + "/" + i, "x-request-id: path-" + random);
        }

        Set<String> added = new HashSet<>(seriesIds());
        added.removeAll(before);
        assertThat(added).as("series added by %d made-up methods and %d unknown paths", FLOOD, FLOOD).hasSizeLessThan(10);
        assertThat(scrapeLines() - scrapeBefore).isLessThan(100);
        assertThat(statuses).containsExactly(501);
        assertThat(registry.find("portcullis.gateway.requests").tag("method", "OTHER").timer().count())
                .isGreaterThanOrEqualTo(FLOOD);
        upstream.verify(0, anyRequestedFor(urlPathMatching("/users/[a-z]{8}")));
    }

    @Test
    void anUnknownMethodIsAnsweredWith501ProblemBeforeAnyRouteSeesIt() {
        String token = tokens.forUser("u-1").permissions("users:read").sign();

        RawHttp.Response answer = RawHttp.send(port, "BREW", "/api/users/me", "Authorization: Bearer " + token);

        assertThat(answer.status()).isEqualTo(501);
        assertThat(answer.header(HttpHeaders.CONTENT_TYPE)).startsWith(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        assertThat(answer.body()).contains("\"status\":501").contains("\"type\":\"urn:portcullis:problem:");
        assertThat(answer.header("x-request-id")).isNotBlank();
        upstream.verify(0, anyRequestedFor(urlPathMatching("/users/.*")));
    }

    /** Every series of every meter: name plus its tags (what a Prometheus scrape turns into lines). */
    private Set<String> seriesIds() {
        Set<String> ids = new HashSet<>();
        for (Meter meter : registry.getMeters()) {
            ids.add(meter.getId().getName() + meter.getId().getTags());
        }
        return ids;
    }

    private int scrapeLines() {
        String body = management().get().uri("/actuator/prometheus").exchange()
                .expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
        return (int) body.lines().filter(line -> !line.startsWith("#")).count();
    }

    private static String randomLetters(int length) {
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            out.append((char) ('a' + ThreadLocalRandom.current().nextInt(26)));
        }
        return out.toString();
    }
}
