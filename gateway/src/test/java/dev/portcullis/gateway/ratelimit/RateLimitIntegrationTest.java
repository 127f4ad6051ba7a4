package dev.portcullis.gateway.ratelimit;

import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.gateway.support.GatewayIntegrationTest;
import dev.portcullis.testsupport.TestClients;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Limits from the route's YAML ({@code it-limited}: 3 per minute per user; {@code it-limited-public}: 3 per minute per
 * client IP), kept in the shared Redis so that every instance spends the same quota. A second gateway instance runs
 * next to the test context; it trusts the loopback address as a proxy, so that it can stand for "behind a load
 * balancer" while the main instance trusts no proxy at all.
 */
class RateLimitIntegrationTest extends GatewayIntegrationTest {

    private static ConfigurableApplicationContext second;
    private WebTestClient secondClient;

    @BeforeAll
    static void startSecondInstanceBehindATrustedProxy() {
        second = startSecondInstance("--portcullis.http.trusted-proxies=127.0.0.1,::1");
    }

    @AfterAll
    static void stopSecondInstance() {
        if (second != null) {
            second.close();
        }
    }

    @BeforeEach
    void secondInstanceReady() {
        upstream.stubFor(any(urlPathMatching("/it/limited(-public)?/.*")).willReturn(okJson("{\"ok\":true}")));
        String port = second.getEnvironment().getProperty("local.server.port");
        String managementPort = second.getEnvironment().getProperty("local.management.port");
        secondClient = TestClients.localhost(port).build();
        WebTestClient secondManagement = TestClients.localhost(managementPort).build();
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                secondManagement.get().uri("/actuator/health/readiness").exchange().expectStatus().isOk());
    }

    @Test
    void refusesAUserBeyondTheRouteLimitWith429AndQuotaHeaders() {
        String token = tokens.forUser("u-busy").sign();
        for (int i = 0; i < 3; i++) {
            getWithToken("/it/limited/items", token).exchange()
                    .expectStatus().isOk()
                    .expectHeader().valueEquals("X-RateLimit-Limit", "3")
                    .expectHeader().valueEquals("X-RateLimit-Remaining", Integer.toString(2 - i))
                    .expectHeader().exists("X-RateLimit-Reset");
        }

        getWithToken("/it/limited/items", token).exchange()
                .expectStatus().isEqualTo(429)
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectHeader().value(HttpHeaders.RETRY_AFTER, seconds -> assertThat(Long.parseLong(seconds)).isBetween(1L, 60L))
                .expectHeader().valueEquals("X-RateLimit-Limit", "3")
                .expectHeader().valueEquals("X-RateLimit-Remaining", "0")
                .expectHeader().value("X-RateLimit-Reset", seconds -> assertThat(Long.parseLong(seconds)).isBetween(1L, 60L))
                .expectBody()
                .jsonPath("$.status").isEqualTo(429)
                .jsonPath("$.type").isEqualTo("urn:portcullis:problem:rate-limited");

        upstream.verify(3, getRequestedFor(urlPathEqualTo("/it/limited/items")));
        assertThat(metric("portcullis_ratelimit_decisions_total", "route=\"it-limited\"",
                "outcome=\"denied\"")).isGreaterThanOrEqualTo(1.0);
    }

    @Test
    void anotherUserKeepsTheirOwnQuota() {
        String busy = tokens.forUser("u-busy").sign();
        for (int i = 0; i < 3; i++) {
            getWithToken("/it/limited/items", busy).exchange().expectStatus().isOk();
        }
        getWithToken("/it/limited/items", busy).exchange().expectStatus().isEqualTo(429);

        getWithToken("/it/limited/items", tokens.forUser("u-calm").sign()).exchange()
                .expectStatus().isOk()
                .expectHeader().valueEquals("X-RateLimit-Remaining", "2");
    }

    @Test
    void twoInstancesSharingOneRedisShareTheQuota() {
        String token = tokens.forUser("u-everywhere").sign();

        getWithToken("/it/limited/items", token).exchange().expectStatus().isOk();
        secondClient.get().uri("/it/limited/items").header(HttpHeaders.AUTHORIZATION, "Bearer " + token).exchange()
                .expectStatus().isOk();
        getWithToken("/it/limited/items", token).exchange().expectStatus().isOk();

        secondClient.get().uri("/it/limited/items").header(HttpHeaders.AUTHORIZATION, "Bearer " + token).exchange()
                .expectStatus().isEqualTo(429).expectHeader().exists(HttpHeaders.RETRY_AFTER);
        getWithToken("/it/limited/items", token).exchange().expectStatus().isEqualTo(429);
        upstream.verify(3, getRequestedFor(urlPathEqualTo("/it/limited/items")));
    }

    @Test
    void limitsAPublicRoutePerClientAddress() {
        for (int i = 0; i < 3; i++) {
            client.get().uri("/it/limited-public/info").exchange().expectStatus().isOk();
        }

        client.get().uri("/it/limited-public/info").exchange()
                .expectStatus().isEqualTo(429)
                .expectHeader().exists(HttpHeaders.RETRY_AFTER)
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON);
        upstream.verify(3, getRequestedFor(urlPathEqualTo("/it/limited-public/info")));
    }

    @Test
    void aSpoofedForwardedForFromAnUntrustedClientGetsNoFreshQuota() {
        for (int i = 0; i < 3; i++) {
            client.get().uri("/it/limited-public/info").exchange().expectStatus().isOk();
        }

        for (String spoofed : new String[] {"203.0.113.7", "198.51.100.1, 203.0.113.8", "2001:db8::1"}) {
            client.get().uri("/it/limited-public/info").header("X-Forwarded-For", spoofed).exchange()
                    .expectStatus().isEqualTo(429);
        }
        client.get().uri("/it/limited-public/info").header("Forwarded", "for=203.0.113.9").exchange()
                .expectStatus().isEqualTo(429);
        upstream.verify(3, getRequestedFor(urlPathEqualTo("/it/limited-public/info")));
    }

    @Test
    void behindATrustedProxyEachForwardedClientHasItsOwnQuota() {
        for (int i = 0; i < 3; i++) {
            secondClient.get().uri("/it/limited-public/info").header("X-Forwarded-For", "203.0.113.10").exchange()
                    .expectStatus().isOk();
        }
        secondClient.get().uri("/it/limited-public/info").header("X-Forwarded-For", "203.0.113.10").exchange()
                .expectStatus().isEqualTo(429);
        // a client cannot escape by prepending an address of its choice: the proxy appends the real one on the right
        secondClient.get().uri("/it/limited-public/info").header("X-Forwarded-For", "198.51.100.99, 203.0.113.10").exchange()
                .expectStatus().isEqualTo(429);

        secondClient.get().uri("/it/limited-public/info").header("X-Forwarded-For", "203.0.113.11").exchange()
                .expectStatus().isOk()
                .expectHeader().valueEquals("X-RateLimit-Remaining", "2");
        upstream.verify(4, getRequestedFor(urlPathEqualTo("/it/limited-public/info")));
    }
}
