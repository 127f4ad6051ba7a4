package dev.portcullis.auth.refresh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.auth.support.AuthServiceTestBase;
import dev.portcullis.auth.support.RedisExpiry;
import dev.portcullis.testsupport.TestRedisCluster;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The refresh scripts against a real three-master cluster: a family, its user's index and the rotation that extends
 * both share the user's slot, so a session kept alive for weeks is still ended by revoke-all.
 */
class RefreshClusterTest extends AuthServiceTestBase {

    private static final TestRedisCluster CLUSTER = TestRedisCluster.start(3);
    private static final RedisClusterClient CLIENT = RedisClusterClient.create(
            Arrays.stream(CLUSTER.urls().split(",")).map(RedisURI::create).toList());
    private static final StatefulRedisClusterConnection<String, String> CONNECTION = CLIENT.connect();

    @DynamicPropertySource
    static void clusterRedis(DynamicPropertyRegistry registry) {
        registry.add("portcullis.auth.redis.url", CLUSTER::urls);
    }

    @AfterAll
    static void stopCluster() {
        CONNECTION.close();
        CLIENT.shutdown();
        CLUSTER.close();
    }

    @Test
    void aSessionRefreshedForWeeksIsEndedByRevokeAllOnACluster() {
        RedisAdvancedClusterCommands<String, String> cluster = CONNECTION.sync();
        Session session = loginForBody("alice", "alice-password");
        String family = session.refreshToken().substring(0, 22);
        for (int i = 0; i < 3; i++) {
            clock.advance(Duration.ofDays(5));
            RedisExpiry.expireKeysDueBy(cluster, clock);
            Map<?, ?> body = client.post().uri("/auth/refresh").contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(Map.of("refresh_token", session.refreshToken())).exchange()
                    .expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();
            session = new Session((String) body.get("access_token"), (String) body.get("refresh_token"));
        }
        assertThat(cluster.zrange(RefreshTokenStore.subjectIndexKey("u-alice"), 0, -1)).containsExactly(family);

        client.post().uri("/auth/revoke-all").header(HttpHeaders.AUTHORIZATION, bearer(session.accessToken()))
                .exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.refresh_families_revoked").isEqualTo(1);
        client.post().uri("/auth/refresh").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("refresh_token", session.refreshToken())).exchange()
                .expectStatus().isUnauthorized();
        assertThat(cluster.exists(RefreshTokenStore.familyKey("u-alice", family))).isZero();
        client.get().uri("/auth/me").header(HttpHeaders.AUTHORIZATION, bearer(session.accessToken())).exchange()
                .expectStatus().isUnauthorized();
    }
}
