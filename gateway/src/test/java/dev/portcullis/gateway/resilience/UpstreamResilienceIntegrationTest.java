package dev.portcullis.gateway.resilience;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.portcullis.gateway.support.GatewayIntegrationTest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Upstreams that are down, failing, slow or dropping connections: the client always gets a problem document with a
 * status that says what happened (503 + Retry-After, 504), never a 500; a failing route's breaker opens and then
 * spares the upstream; idempotent requests are retried, others are not. Each test has a route of its own (see
 * gateway-test-routes.yml), so the breakers never interfere.
 */
class UpstreamResilienceIntegrationTest extends GatewayIntegrationTest {

    @Autowired
    CircuitBreakerRegistry breakers;

    @Test
    void answers503WithRetryAfterWhenTheUpstreamCannotBeReached() {
        for (String method : new String[] {"GET", "POST"}) {
            client.method(org.springframework.http.HttpMethod.valueOf(method)).uri("/it/down/things").exchange()
                    .expectStatus().isEqualTo(503)
                    .expectHeader().exists(HttpHeaders.RETRY_AFTER)
                    .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectBody()
                    .jsonPath("$.status").isEqualTo(503)
                    .jsonPath("$.type").isEqualTo("urn:portcullis:problem:service-unavailable")
                    .jsonPath("$.detail").value(detail -> assertThat(detail.toString()).doesNotContain("Exception", "127.0.0.1"));
        }
    }

    @Test
    void opensTheBreakerOfAnUnreachableRoute() {
        for (int i = 0; i < 12; i++) {
            client.get().uri("/it/down-breaker/things").exchange().expectStatus().isEqualTo(503);
        }

        assertThat(breaker("it-down-breaker").getState()).isEqualTo(CircuitBreaker.State.OPEN);
        client.get().uri("/it/down-breaker/things").exchange()
                .expectStatus().isEqualTo(503)
                .expectHeader().exists(HttpHeaders.RETRY_AFTER)
                .expectBody().jsonPath("$.detail").value(detail -> assertThat(detail.toString()).contains("circuit open"));
    }

    @Test
    void anOpenBreakerAnswers503WithoutCallingTheFailingUpstream() {
        upstream.stubFor(any(urlPathMatching("/it/failing/.*")).willReturn(aResponse().withStatus(503)
                .withHeader("Content-Type", "text/plain").withBody("upstream overloaded")));
        for (int i = 0; i < 10; i++) {
            client.get().uri("/it/failing/things").exchange()
                    .expectStatus().isEqualTo(503)
                    .expectBody(String.class).isEqualTo("upstream overloaded");
        }
        assertThat(breaker("it-failing").getState()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(metric("resilience4j_circuitbreaker_state", "name=\"route-it-failing\"", "state=\"open\"")).isEqualTo(1.0);
        int before = upstream.findAll(anyRequestedFor(urlPathMatching("/it/failing/.*"))).size();

        for (int i = 0; i < 5; i++) {
            client.get().uri("/it/failing/things").exchange()
                    .expectStatus().isEqualTo(503)
                    .expectHeader().exists(HttpHeaders.RETRY_AFTER)
                    .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON);
        }

        assertThat(before).isEqualTo(10);
        upstream.verify(before, anyRequestedFor(urlPathMatching("/it/failing/.*")));
    }

    @Test
    void answers504WhenTheUpstreamIsSlowerThanTheRoutesResponseTimeout() {
        upstream.stubFor(get(urlPathEqualTo("/it/slow/report")).willReturn(okJson("{\"late\":true}").withFixedDelay(3_000)));

        long started = System.nanoTime();
        client.get().uri("/it/slow/report").exchange()
                .expectStatus().isEqualTo(504)
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.status").isEqualTo(504)
                .jsonPath("$.type").isEqualTo("urn:portcullis:problem:upstream-timeout");

        // the route's 300 ms, not the global 10 s (nor the 3 s the upstream would have taken)
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - started)).isLessThan(java.time.Duration.ofMillis(2_500));
        // WireMock journals a request once it has answered it, after its delay
        await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() ->
                upstream.verify(1, getRequestedFor(urlPathEqualTo("/it/slow/report"))));
    }

    @Test
    void retriesAGetWhoseConnectionWasReset() {
        upstream.stubFor(get(urlPathEqualTo("/it/reset-get/item")).inScenario("reset-get")
                .whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER))
                .willSetStateTo("recovered"));
        upstream.stubFor(get(urlPathEqualTo("/it/reset-get/item")).inScenario("reset-get")
                .whenScenarioStateIs("recovered")
                .willReturn(okJson("{\"item\":1}")));

        client.get().uri("/it/reset-get/item").exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.item").isEqualTo(1);

        upstream.verify(2, getRequestedFor(urlPathEqualTo("/it/reset-get/item")));
    }

    @Test
    void neverRetriesAPostWhoseConnectionWasResetAndAnswersWithAProblem() {
        upstream.stubFor(post(urlPathEqualTo("/it/reset-post/orders")).willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));

        WebTestClient.BodyContentSpec body = client.post().uri("/it/reset-post/orders")
                .contentType(MediaType.APPLICATION_JSON).bodyValue("{\"item\":1}")
                .exchange()
                .expectStatus().value(status -> assertThat(status).isIn(502, 503))
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody();
        body.jsonPath("$.type").value(type -> assertThat(type.toString()).startsWith("urn:portcullis:problem:"))
                .jsonPath("$.detail").value(detail -> assertThat(detail.toString()).doesNotContain("Exception", "reset"));

        upstream.verify(1, postRequestedFor(urlPathEqualTo("/it/reset-post/orders")));
    }

    @Test
    void passesAnUpstream500ThroughUnchanged() {
        upstream.stubFor(get(urlPathEqualTo("/it/server-error/x")).willReturn(aResponse().withStatus(500)
                .withHeader("Content-Type", "application/json").withBody("{\"error\":\"service's own\"}")));

        for (int i = 0; i < 12; i++) {
            client.get().uri("/it/server-error/x").exchange()
                    .expectStatus().isEqualTo(500)
                    .expectHeader().contentType(MediaType.APPLICATION_JSON)
                    .expectBody().jsonPath("$.error").isEqualTo("service's own");
        }

        // the service's own errors are its business: they do not open the route's breaker, nor are they retried
        assertThat(breaker("it-server-error").getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        upstream.verify(12, getRequestedFor(urlPathEqualTo("/it/server-error/x")));
    }

    private CircuitBreaker breaker(String routeId) {
        return breakers.find("route-" + routeId).orElseThrow(() -> new AssertionError("no breaker for route " + routeId));
    }
}
