package dev.portcullis.gateway.revocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.contract.RevocationKeys;
import dev.portcullis.contract.RevocationMessage;
import dev.portcullis.gateway.support.GatewayIntegrationTest;
import dev.portcullis.testsupport.TestRedisCluster;
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
    RevocationView view;

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
            // keys chosen by the tokens' random jtis land on different nodes
            redis.sync().set(RevocationKeys.jtiKey(jti(revokedByResync)), "1");
            redis.sync().set(RevocationKeys.jtiKey(jti(revokedByMessage)), "1");
            redis.sync().publish(RevocationKeys.CHANNEL,
                    new RevocationMessage.TokenRevoked(jti(revokedByMessage), testClock.millis() + 900_000).encode());
            long now = testClock.millis();
            redis.sync().set(RevocationKeys.subjectKey("cluster-c"), Long.toString(now));
            redis.sync().publish(RevocationKeys.CHANNEL, new RevocationMessage.SubjectRevoked("cluster-c", now).encode());
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

    private static String jti(String token) throws java.text.ParseException {
        return SignedJWT.parse(token).getJWTClaimsSet().getJWTID();
    }
}
