package dev.portcullis.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

    @Test
    void runsNodeLocalCommandsOnTheMasterServingTheKey() {
        try (TestRedisCluster cluster = TestRedisCluster.start(3);
             RedisConnections redis = RedisConnections.connect(cluster.urls(), Duration.ofSeconds(2), Duration.ofSeconds(2))) {
            redis.reactive().set("{tag}:one", "1").then(redis.reactive().set("{other}:two", "2")).block(Duration.ofSeconds(5));
            // a plain SCAN on that node: it holds the tagged key and nothing of another slot's node
            StepVerifier.create(redis.onMasterOf("{tag}").flatMapMany(node -> io.lettuce.core.ScanStream.scan(node,
                            io.lettuce.core.ScanArgs.Builder.matches("{*}:*"))).collectList())
                    .assertNext(keys -> assertThat(keys).contains("{tag}:one").doesNotContain("{other}:two"))
                    .verifyComplete();
        }
    }

    @Test
    void aWriteOnAMasterWithoutReplicasIsConfirmedByTheMasterAlone() {
        try (RedisConnections redis = RedisConnections.connect(TestRedis.url(), Duration.ofSeconds(2), Duration.ofSeconds(2))) {
            StepVerifier.create(redis.writeAndWait("rc:durable", node -> node.set("rc:durable", "v"), 1, Duration.ofMillis(200)))
                    .assertNext(written -> {
                        assertThat(written.result()).isEqualTo("OK");
                        assertThat(written.connected()).isZero();
                        assertThat(written.isReplicated()).isTrue();
                    })
                    .verifyComplete();
            assertThat(redis.reactive().get("rc:durable").block(Duration.ofSeconds(2))).isEqualTo("v");
        }
    }

    @Test
    void refusesAFailoverSettingThatIsNotPositiveNamingIt() {
        assertThatThrownBy(() -> new RedisConnections.Settings(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ZERO,
                Duration.ofMillis(250), Duration.ofMillis(250)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("topology refresh period");
    }
}
