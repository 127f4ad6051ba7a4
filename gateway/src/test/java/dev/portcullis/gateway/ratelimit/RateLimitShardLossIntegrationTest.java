package dev.portcullis.gateway.ratelimit;

import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.contract.IdentityHeaders;
import dev.portcullis.contract.RevocationKeys;
import dev.portcullis.gateway.revocation.RevocationFeed;
import dev.portcullis.gateway.support.GatewayIntegrationTest;
import dev.portcullis.testsupport.RedisServerProcess;
import dev.portcullis.testsupport.TestRedisCluster;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.time.Duration;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A three-master cluster that loses one master for good (no replica to promote): the buckets on it go unchecked, as
 * the rate limiter's failure policy says, and the buckets on the other masters stay enforced, because each node has a
 * circuit breaker of its own.
 */
@DirtiesContext
class RateLimitShardLossIntegrationTest extends GatewayIntegrationTest {

    static final TestRedisCluster cluster = TestRedisCluster.start(3);

    @DynamicPropertySource
    static void clusterRedis(DynamicPropertyRegistry registry) {
        registry.add("portcullis.redis.url", cluster::urls);
        // burst 5: leases of one token, so every request asks its bucket (exact)
        registry.add("portcullis.rate-limit.authenticated.requests", () -> "5");
        registry.add("portcullis.rate-limit.authenticated.period", () -> "1h");
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    @Autowired
    RevocationFeed view;

    @Autowired
    CircuitBreakerRegistry breakers;

    @Test
    void aLostShardsBucketsGoUncheckedWhileTheOtherShardsStayEnforced() {
        await().atMost(Duration.ofSeconds(20)).until(view::isLive);
        RedisServerProcess revocations = cluster.masterOf(RevocationKeys.SEQUENCE_KEY);
        RedisServerProcess lost = cluster.nodes().stream().filter(node -> node != revocations).findFirst().orElseThrow();
        RedisServerProcess kept = cluster.nodes().stream().filter(node -> node != revocations && node != lost).findFirst().orElseThrow();
        String onLost = userWithBucketOn(lost);
        String onKept = userWithBucketOn(kept);
        String lostToken = tokens.forUser(onLost).sign();
        String keptToken = tokens.forUser(onKept).sign();

        lost.stop(); // SIGKILL, and no replica: its slots stay unserved

        // far past the limit of 5, every request of the lost shard's user passes unchecked and reaches the service
        for (int i = 0; i < 12; i++) {
            getWithToken("/api/users/me", lostToken).exchange().expectStatus().isOk();
        }
        upstream.verify(12, anyRequestedFor(urlPathEqualTo("/users/me")).withHeader(IdentityHeaders.USER_ID, equalTo(onLost)));
        assertThat(breakers.circuitBreaker("redis-ratelimit-127.0.0.1:" + lost.port()).getState())
                .isEqualTo(CircuitBreaker.State.OPEN);

        // the user whose bucket is on a live master is still held to 5
        for (int i = 0; i < 5; i++) {
            getWithToken("/api/users/me", keptToken).exchange().expectStatus().isOk();
        }
        getWithToken("/api/users/me", keptToken).exchange().expectStatus().isEqualTo(429)
                .expectHeader().exists("Retry-After");
        upstream.verify(5, anyRequestedFor(urlPathEqualTo("/users/me")).withHeader(IdentityHeaders.USER_ID, equalTo(onKept)));
        assertThat(metric("portcullis_ratelimit_decisions_total", "outcome=\"unchecked\"")).isGreaterThanOrEqualTo(12);
    }

    /** A user whose bucket on route "users" lives on {@code node} (see RateLimitGlobalFilter for the key). */
    private static String userWithBucketOn(RedisServerProcess node) {
        return IntStream.range(0, 1000).mapToObj(i -> "shard-user-" + node.port() + "-" + i)
                .filter(user -> cluster.masterOf("portcullis:rl:{users:u:" + user + "}") == node)
                .findFirst().orElseThrow();
    }
}
