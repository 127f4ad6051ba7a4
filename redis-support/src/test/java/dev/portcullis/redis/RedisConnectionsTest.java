package dev.portcullis.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.testsupport.TestRedis;
import dev.portcullis.testsupport.TestRedisCluster;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

class RedisConnectionsTest {

    @Test
    void talksToASingleNodeThroughTheCommonCommands() {
        try (RedisConnections redis = RedisConnections.connect(TestRedis.url(), Duration.ofSeconds(2), Duration.ofSeconds(2))) {
            assertThat(redis.isCluster()).isFalse();
            StepVerifier.create(redis.reactive().set("rc:single", "v").then(redis.reactive().get("rc:single")))
                    .expectNext("v")
                    .verifyComplete();
        }
    }

    @Test
    void talksToAClusterWhenGivenSeveralUris() {
        try (TestRedisCluster cluster = TestRedisCluster.start(3);
             RedisConnections redis = RedisConnections.connect(cluster.urls(), Duration.ofSeconds(2), Duration.ofSeconds(2))) {
            assertThat(redis.isCluster()).isTrue();
            // keys chosen to land on different nodes: each single-key command is routed to its slot's owner
            StepVerifier.create(redis.reactive().set("a", "1").then(redis.reactive().set("b", "2"))
                            .then(redis.reactive().set("c", "3")).then(redis.reactive().get("c")))
                    .expectNext("3")
                    .verifyComplete();
        }
    }
}
