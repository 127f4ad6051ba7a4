package dev.portcullis.gateway.dpop;

import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.jwk.ECKey;
import dev.portcullis.dpop.DpopProofVerifier;
import dev.portcullis.gateway.support.GatewayIntegrationTest;
import dev.portcullis.testsupport.DpopProofs;
import dev.portcullis.testsupport.RedisServerProcess;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Its own redis-server, taken away mid-test: the replay of a proof cannot be checked, so a bound token is refused
 * (503 with Retry-After, counted) even on a route that lets tokens through when revocation cannot be checked; once
 * Redis is back, proofs are checked and accepted again.
 */
class DpopRedisOutageIntegrationTest extends GatewayIntegrationTest {

    static final RedisServerProcess ownRedis = RedisServerProcess.startStandalone();

    @DynamicPropertySource
    static void ownRedisAndRoutes(DynamicPropertyRegistry registry) {
        registry.add("portcullis.redis.url", ownRedis::url);
        String routes = "spring.cloud.gateway.server.webflux.routes";
        registry.add(routes + "[0].id", () -> "fail-open");
        registry.add(routes + "[0].uri", upstream::baseUrl);
        registry.add(routes + "[0].predicates[0]", () -> "Path=/api/products/**");
        registry.add(routes + "[0].filters[0]", () -> "StripPrefix=1");
        registry.add(routes + "[0].metadata.policy.revocation-fail-open", () -> "true");
        registry.add(routes + "[0].metadata.policy.rate-limit.enabled", () -> "false");
    }

    @AfterEach
    void redisBack() {
        ownRedis.start();
    }

    @AfterAll
    static void stopOwnRedis() {
        ownRedis.stop();
    }

    @Test
    void aProofWhoseReplayCannotBeCheckedIsRefusedWith503() {
        ECKey key = DpopProofs.newKey();
        String token = tokens.forUser("u-outage").claim("cnf", Map.of("jkt", DpopProofs.thumbprint(key))).sign();
        String url = "http://localhost:" + port + "/api/products/1";
        client.get().uri("/api/products/1").header(HttpHeaders.AUTHORIZATION, "DPoP " + token)
                .header(DpopProofVerifier.HEADER, DpopProofs.of(key).url(url).token(token).issuedAt(testClock.instant()).sign())
                .exchange().expectStatus().isOk();
        double before = metric("portcullis_dpop_proofs_total", "outcome=\"replay_check_unavailable\"");

        ownRedis.stop();
        upstream.resetRequests();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> client.get().uri("/api/products/1")
                .header(HttpHeaders.AUTHORIZATION, "DPoP " + token)
                .header(DpopProofVerifier.HEADER, DpopProofs.of(key).url(url).token(token).issuedAt(testClock.instant()).sign())
                .exchange()
                .expectStatus().isEqualTo(503)
                .expectHeader().exists(HttpHeaders.RETRY_AFTER)
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.reason").isEqualTo("dpop_replay_unavailable"));
        assertThat(upstream.findAll(anyRequestedFor(urlPathEqualTo("/products/1")))).isEmpty();
        assertThat(metric("portcullis_dpop_proofs_total", "outcome=\"replay_check_unavailable\"")).isGreaterThan(before);

        // Redis restarted: the next fresh proof is checked again and the request goes through, without a gateway restart
        ownRedis.start();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> client.get().uri("/api/products/1")
                .header(HttpHeaders.AUTHORIZATION, "DPoP " + token)
                .header(DpopProofVerifier.HEADER, DpopProofs.of(key).url(url).token(token).issuedAt(testClock.instant()).sign())
                .exchange()
                .expectStatus().isOk());
        assertThat(upstream.findAll(anyRequestedFor(urlPathEqualTo("/products/1")))).isNotEmpty();
    }
}
