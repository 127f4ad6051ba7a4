package dev.portcullis.gateway.failover;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.testsupport.TestRedisSentinel;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Two gateway instances given a {@code redis-sentinel://} URL (a master, a replica, three Sentinels), under traffic,
 * while the master is killed (SIGKILL) and the Sentinels promote the replica. Everything lives on the one master, so
 * requests are refused while it is gone, and only until shortly after the promotion.
 */
@DirtiesContext
class RedisSentinelFailoverIntegrationTest extends RedisFailoverTestSupport {

    /** Sentinel's down-after-milliseconds: 2 s, as the Cluster tests' node timeout. */
    /** Tighter than {@link #RECOVERY_BOUND}: Sentinel's own promotion is all the client waits for. */
    static final Duration SENTINEL_RECOVERY_BOUND = Duration.ofMillis(1500);

    static final TestRedisSentinel sentinel = TestRedisSentinel.start(Duration.ofSeconds(2));

    @DynamicPropertySource
    static void sentinelRedis(DynamicPropertyRegistry registry) {
        failoverProperties(registry, sentinel::url);
    }

    @AfterAll
    static void stopSentinel() {
        sentinel.close();
    }

    @Test
    void losingTheMasterRefusesRequestsOnlyUntilShortlyAfterTheSentinelsHavePromotedTheReplica() throws Exception {
        Outcome outcome = failOver("sentinel_master", sentinel.url(), "steady-user",
                () -> sentinel.master().stop(), () -> sentinel.awaitFailover(Duration.ofSeconds(30)));

        for (int instance = 0; instance < 2; instance++) {
            // 0.01-0.16 s on a loaded machine with RedisConnections' bounded reconnect back-off (Lettuce's own: 1.6-2.1 s)
            assertThat(outcome.servingAfterHealthy().get(instance)).isLessThan(SENTINEL_RECOVERY_BOUND);
            assertThat(outcome.refusedWindows().get(instance)).isLessThan(outcome.redisFailover().plus(RECOVERY_BOUND));
        }
        revocationAfterFailoverHoldsEverywhereWithinASecond(sentinel.url());
    }
}
