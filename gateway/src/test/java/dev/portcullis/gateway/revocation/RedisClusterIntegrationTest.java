package dev.portcullis.gateway.revocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.contract.RevocationKeys;
import dev.portcullis.contract.RevocationMessage;
import dev.portcullis.gateway.support.GatewayIntegrationTest;
import dev.portcullis.testsupport.TestRedisCluster;
import dev.portcullis.testsupport.TestRevocations;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The gateway against a real three-master Redis Cluster: the revocation view (pub/sub and a SCAN across every
 * node), the direct lookups and the rate-limit script must all work when their keys live on different nodes.
 */
class RedisClusterIntegrationTest extends GatewayIntegrationTest {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RedisClusterIntegrationTest.class);

    static final TestRedisCluster cluster = TestRedisCluster.start(3);

    @DynamicPropertySource
    static void clusterRedis(DynamicPropertyRegistry registry) {
        registry.add("portcullis.redis.url", cluster::urls);
        registry.add("portcullis.rate-limit.authenticated.requests", () -> "5");
        registry.add("portcullis.rate-limit.authenticated.period", () -> "1h");
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    @Autowired
    RevocationFeed view;

    @Test
    void enforcesRevocationsAndRateLimitsWithKeysSpreadOverTheCluster() throws Exception {
        await().atMost(Duration.ofSeconds(20)).until(view::isLive);
        String revokedByResync = tokens.forUser("cluster-a").sign();
        String revokedByMessage = tokens.forUser("cluster-b").sign();
        String revokedBySubject = tokens.forUser("cluster-c").issuedAt(testClock.instant().minusSeconds(5)).sign();
        String untouched = tokens.forUser("cluster-d").sign();

        try (RedisClusterClient client = RedisClusterClient.create(Arrays.stream(cluster.urls().split(","))
                .map(io.lettuce.core.RedisURI::create).toList());
             StatefulRedisClusterConnection<String, String> redis = client.connect()) {
            // every revocation key shares the {revoked} slot with the sequence, so the issuer's script runs on a
            // cluster; its PUBLISH reaches a subscriber connected to any node
            redis.sync().set(RevocationKeys.jtiKey(jti(revokedByResync)), "1");
            write(redis, new RevocationMessage.TokenRevoked(jti(revokedByMessage), testClock.millis() + 900_000),
                    RevocationKeys.CHANNEL);
            long now = testClock.millis();
            write(redis, new RevocationMessage.SubjectRevoked("cluster-c", now), RevocationKeys.CHANNEL);
        }

        await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
            getWithToken("/api/users/me", revokedByMessage).exchange().expectStatus().isUnauthorized();
            getWithToken("/api/users/me", revokedBySubject).exchange().expectStatus().isUnauthorized();
        });
        view.resync("test");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                getWithToken("/api/users/me", revokedByResync).exchange().expectStatus().isUnauthorized());

        for (int i = 0; i < 5; i++) {
            getWithToken("/api/users/me", untouched).exchange().expectStatus().isOk();
        }
        getWithToken("/api/users/me", untouched).exchange().expectStatus().isEqualTo(429);
        assertThat(view.isLive()).isTrue();
    }

    @Test
    void aRevocationWhoseMessageNeverArrivesIsEnforcedWithinOneSecondOnACluster() throws Exception {
        await().atMost(Duration.ofSeconds(20)).until(view::isLive);
        String token = tokens.forUser("cluster-e").sign();
        getWithToken("/api/users/me", token).exchange().expectStatus().isOk();

        try (RedisClusterClient client = RedisClusterClient.create(Arrays.stream(cluster.urls().split(","))
                .map(io.lettuce.core.RedisURI::create).toList());
             StatefulRedisClusterConnection<String, String> redis = client.connect()) {
            long dropped = System.nanoTime();
            write(redis, new RevocationMessage.TokenRevoked(jti(token), testClock.millis() + 900_000), "revocations-nobody-listens");
            await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(10)).untilAsserted(() ->
                    getWithToken("/api/users/me", token).exchange().expectStatus().isUnauthorized());
            log.info("event=test_measurement what=dropped_message_to_enforcement_cluster took_ms={}",
                    Duration.ofNanos(System.nanoTime() - dropped).toMillis());
        }
        assertThat(metric("portcullis_revocation_view_gaps_total")).isPositive();
        await().atMost(Duration.ofSeconds(2)).until(view::isLive);
    }

    private static void write(StatefulRedisClusterConnection<String, String> redis, RevocationMessage revocation, String channel) {
        TestRevocations.write(redis.sync(), revocation, channel);
    }

    private static String jti(String token) throws java.text.ParseException {
        return SignedJWT.parse(token).getJWTClaimsSet().getJWTID();
    }
}
