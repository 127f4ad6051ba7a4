package dev.portcullis.gateway.failover;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.contract.RevocationKeys;
import dev.portcullis.testsupport.RedisServerProcess;
import dev.portcullis.testsupport.TestRedisCluster;
import java.time.Duration;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Two gateway instances on a real Redis Cluster of three masters and three replicas, under traffic, while a master is
 * killed (SIGKILL) and Redis promotes its replica. A master holding the revocation set ({@code {revoked}}) costs a
 * window of refused requests bounded by Redis' own fail-over time; any other master costs nothing at all.
 */
@DirtiesContext
class RedisClusterFailoverIntegrationTest extends RedisFailoverTestSupport {

    /** Each test kills a master that still has its replica, so the two need no restart in between, in any order. */
    static final TestRedisCluster cluster = TestRedisCluster.start(3, 1);

    @DynamicPropertySource
    static void clusterRedis(DynamicPropertyRegistry registry) {
        failoverProperties(registry, cluster::urls);
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    @Test
    void losingTheMasterOfTheRevocationSetRefusesRequestsOnlyUntilShortlyAfterRedisHasFailedOver() throws Exception {
        RedisServerProcess master = cluster.masterOf(RevocationKeys.SEQUENCE_KEY);
        Outcome outcome = failOver("cluster_revocation_master", cluster.urls(), "steady-user",
                () -> kill(master), () -> cluster.awaitFailover(master, Duration.ofSeconds(30)));

        for (int instance = 0; instance < 2; instance++) {
            assertThat(outcome.servingAfterHealthy().get(instance)).isLessThan(RECOVERY_BOUND);
            assertThat(outcome.refusedWindows().get(instance)).isLessThan(outcome.redisFailover().plus(RECOVERY_BOUND));
        }
        revocationAfterFailoverHoldsEverywhereWithinASecond(cluster.urls());
    }

    @Test
    void losingAnotherMasterRefusesNothingAndItsRateLimitKeysFailOpenAsDocumented() throws Exception {
        RedisServerProcess master = cluster.masterNotServing(RevocationKeys.SEQUENCE_KEY);
        // a user whose rate-limit bucket lives on the master that dies (route "users", see RateLimitGlobalFilter)
        String user = IntStream.range(0, 1000).mapToObj(i -> "bucket-user-" + i)
                .filter(candidate -> cluster.masterOf("portcullis:rl:{users:u:" + candidate + "}") == master)
                .findFirst().orElseThrow();
        double uncheckedBefore = metric("portcullis_ratelimit_decisions_total", "outcome=\"unchecked\"");

        Outcome outcome = failOver("cluster_other_master", cluster.urls(), user,
                () -> kill(master), () -> cluster.awaitFailover(master, Duration.ofSeconds(30)));

        assertThat(outcome.traffic().statuses(0).keySet()).containsOnly(200);
        assertThat(outcome.traffic().statuses(1).keySet()).containsOnly(200);
        // its bucket could not be reached for a while: those requests passed unchecked (the documented fail-open)
        assertThat(metric("portcullis_ratelimit_decisions_total", "outcome=\"unchecked\"")).isGreaterThan(uncheckedBefore);
        revocationAfterFailoverHoldsEverywhereWithinASecond(cluster.urls());
    }

    private static void kill(RedisServerProcess master) {
        master.stop(); // SIGKILL
    }
}
