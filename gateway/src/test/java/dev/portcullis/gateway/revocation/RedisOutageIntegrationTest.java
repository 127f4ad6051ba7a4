package dev.portcullis.gateway.revocation;

import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.contract.RevocationKeys;
import dev.portcullis.gateway.support.GatewayIntegrationTest;
import dev.portcullis.testsupport.OwnRedis;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Its own redis-server, taken away mid-test: revocation cannot be checked, so the gateway fails closed (503 with
 * Retry-After, quickly, through an open breaker) except on a route that opted into fail-open.
 */
class RedisOutageIntegrationTest extends GatewayIntegrationTest {

    @RegisterExtension
    static final OwnRedis ownRedis = OwnRedis.standalone();

    @DynamicPropertySource
    static void ownRedisAndRoutes(DynamicPropertyRegistry registry) {
        registry.add("portcullis.redis.url", ownRedis::url);
        String routes = "spring.cloud.gateway.server.webflux.routes";
        registry.add(routes + "[0].id", () -> "closed");
        registry.add(routes + "[0].uri", upstream::baseUrl);
        registry.add(routes + "[0].predicates[0]", () -> "Path=/api/users/**");
        registry.add(routes + "[0].filters[0]", () -> "StripPrefix=1");
        registry.add(routes + "[1].id", () -> "open");
        registry.add(routes + "[1].uri", upstream::baseUrl);
        registry.add(routes + "[1].predicates[0]", () -> "Path=/api/products/**");
        registry.add(routes + "[1].filters[0]", () -> "StripPrefix=1");
        registry.add(routes + "[1].metadata.policy.revocation-fail-open", () -> "true");
    }

    @Autowired
    RevocationFeed view;

    @Autowired
    CircuitBreakerRegistry breakers;

    @Test
    void failsClosedWith503WhenRedisIsDownAndRecoversWhenItIsBack() {
        await().atMost(Duration.ofSeconds(10)).until(view::isLive);
        String token = tokens.forUser("u-1").sign();
        getWithToken("/api/users/me", token).exchange().expectStatus().isOk();

        ownRedis.stop();

        await().atMost(Duration.ofSeconds(3)).untilAsserted(() -> getWithToken("/api/users/me", token).exchange()
                .expectStatus().isEqualTo(503)
                .expectHeader().exists(HttpHeaders.RETRY_AFTER)
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.detail").isEqualTo("Token revocation cannot be checked right now"));
        // enough failures open the breaker: from then on no request waits for a Redis timeout
        for (int i = 0; i < 10; i++) {
            getWithToken("/api/users/me", token).exchange().expectStatus().isEqualTo(503);
        }
        assertThat(breakers.circuitBreaker("redis-revocation").getState()).isEqualTo(CircuitBreaker.State.OPEN);
        upstream.resetRequests();
        getWithToken("/api/users/me", token).exchange().expectStatus().isEqualTo(503);
        upstream.verify(0, anyRequestedFor(urlPathEqualTo("/users/me")));

        ownRedis.start();

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                getWithToken("/api/users/me", token).exchange().expectStatus().isOk());
    }

    @Test
    void aRouteThatOptedIntoFailOpenStillServesWhileRedisIsDown() {
        await().atMost(Duration.ofSeconds(10)).until(view::isLive);
        String token = tokens.forUser("u-1").sign();

        ownRedis.stop();
        await().atMost(Duration.ofSeconds(3)).until(() -> !view.isLive());

        double failedOpenBefore = metric("portcullis_revocation_fail_open_total", "route=\"open\"");
        getWithToken("/api/products/1", token).exchange().expectStatus().isOk();
        upstream.verify(1, anyRequestedFor(urlPathEqualTo("/products/1")));
        getWithToken("/api/users/me", token).exchange().expectStatus().isEqualTo(503);
        // each pass without a revocation check is counted by route: the fail-open alert's figure
        assertThat(metric("portcullis_revocation_fail_open_total", "route=\"open\"") - failedOpenBefore).isEqualTo(1.0);
        assertThat(metric("portcullis_revocation_fail_open_total", "route=\"closed\"")).isZero();
    }

    @Test
    void aRevocationWrittenWhileTheViewWasCutOffIsEnforcedOnceItIsBack() {
        await().atMost(Duration.ofSeconds(10)).until(view::isLive);
        String token = tokens.forUser("u-5").sign();
        getWithToken("/api/users/me", token).exchange().expectStatus().isOk();

        // the gateway's subscription cut and, meanwhile, a revocation nobody publishes: only the resync finds it
        ownRedis.cutSubscribers(redis -> redis.set(RevocationKeys.jtiKey(jti(token)), "1"));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                getWithToken("/api/users/me", token).exchange().expectStatus().isUnauthorized());
        await().atMost(Duration.ofSeconds(10)).until(view::isLive);
    }

    private static String jti(String token) {
        try {
            return com.nimbusds.jwt.SignedJWT.parse(token).getJWTClaimsSet().getJWTID();
        } catch (java.text.ParseException e) {
            throw new IllegalStateException(e);
        }
    }
}
