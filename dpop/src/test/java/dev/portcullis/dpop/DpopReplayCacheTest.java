package dev.portcullis.dpop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.redis.RedisConnections;
import dev.portcullis.testsupport.TestRedis;
import dev.portcullis.testsupport.TestRedisCluster;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

class DpopReplayCacheTest {

    private static TestRedisCluster cluster;
    private static RedisConnections standalone;
    private static RedisConnections clustered;

    @BeforeAll
    static void start() {
        standalone = RedisConnections.connect(TestRedis.url(), Duration.ofSeconds(2), Duration.ofSeconds(2));
        cluster = TestRedisCluster.start(3);
        clustered = RedisConnections.connect(cluster.urls(), Duration.ofSeconds(2), Duration.ofSeconds(2));
    }

    @AfterAll
    static void stop() {
        standalone.close();
        clustered.close();
        cluster.close();
    }

    private static DpopCheck.Accepted proof(String thumbprint) {
        return new DpopCheck.Accepted(thumbprint, UUID.randomUUID().toString(), Instant.now());
    }

    @Test
    void acceptsAProofOnceAndRemembersItForTheWindowOnACluster() {
        DpopReplayCache cache = new DpopReplayCache(clustered, "gw", Duration.ofSeconds(65), Duration.ofSeconds(1));
        DpopCheck.Accepted proof = proof("thumb-a");

        assertThat(cache.firstUse(proof).block()).isEqualTo(DpopReplayCache.Verdict.FIRST_USE);
        assertThat(cache.firstUse(proof).block()).isEqualTo(DpopReplayCache.Verdict.REPLAYED);
        String key = DpopReplayCache.key("gw", "thumb-a", proof.jti());
        assertThat(key).startsWith("dpop:jti:gw:thumb-a:").hasSize("dpop:jti:gw:thumb-a:".length() + 43);
        assertThat(clustered.reactive().pttl(key).block()).isBetween(60_000L, 65_000L);
    }

    @Test
    void scopesTheSameJtiByKeyAndByTier() {
        DpopReplayCache gateway = new DpopReplayCache(standalone, "gw", Duration.ofSeconds(65), Duration.ofSeconds(1));
        DpopReplayCache auth = new DpopReplayCache(standalone, "auth", Duration.ofSeconds(65), Duration.ofSeconds(1));
        DpopCheck.Accepted proof = proof("thumb-b");

        assertThat(gateway.firstUse(proof).block()).isEqualTo(DpopReplayCache.Verdict.FIRST_USE);
        assertThat(gateway.firstUse(new DpopCheck.Accepted("thumb-c", proof.jti(), proof.issuedAt())).block())
                .isEqualTo(DpopReplayCache.Verdict.FIRST_USE);
        assertThat(auth.firstUse(proof).block()).isEqualTo(DpopReplayCache.Verdict.FIRST_USE);
    }

    @Test
    void acceptsTheSameProofExactlyOnceUnderConcurrentUse() {
        DpopReplayCache one = new DpopReplayCache(clustered, "gw", Duration.ofSeconds(65), Duration.ofSeconds(2));
        RedisConnections second = RedisConnections.connect(cluster.urls(), Duration.ofSeconds(2), Duration.ofSeconds(2));
        try {
            DpopReplayCache two = new DpopReplayCache(second, "gw", Duration.ofSeconds(65), Duration.ofSeconds(2));
            DpopCheck.Accepted proof = proof("thumb-d");
            List<DpopReplayCache.Verdict> verdicts = Flux.fromStream(IntStream.range(0, 32).boxed())
                    .parallel(8).runOn(Schedulers.parallel())
                    .flatMap(i -> (i % 2 == 0 ? one : two).firstUse(proof))
                    .sequential().collectList().block();

            assertThat(verdicts).hasSize(32);
            assertThat(verdicts).filteredOn(v -> v == DpopReplayCache.Verdict.FIRST_USE).hasSize(1);
            assertThat(verdicts).filteredOn(v -> v == DpopReplayCache.Verdict.REPLAYED).hasSize(31);
        } finally {
            second.close();
        }
    }

    @Test
    void saysUnavailableWhenRedisDoesNotAnswer() {
        RedisConnections nowhere = RedisConnections.connect(TestRedis.url(), Duration.ofMillis(200), Duration.ofMillis(200));
        nowhere.close();
        DpopReplayCache cache = new DpopReplayCache(nowhere, "gw", Duration.ofSeconds(65), Duration.ofMillis(300));

        assertThat(cache.firstUse(proof("thumb-e")).block()).isEqualTo(DpopReplayCache.Verdict.UNAVAILABLE);
    }
}
