package dev.portcullis.auth.revocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.auth.config.AuthProperties;
import dev.portcullis.auth.config.BoundAuthProperties;
import dev.portcullis.auth.web.ApiException;
import dev.portcullis.contract.RevocationKeys;
import dev.portcullis.redis.RedisConnections;
import dev.portcullis.testsupport.MutableClock;
import dev.portcullis.testsupport.RedisServerProcess;
import dev.portcullis.testsupport.TestRedisCluster;
import dev.portcullis.testsupport.TestRedisSentinel;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Revocations while a master is lost, on Sentinel and on a Cluster with replicas: a revocation is confirmed only once
 * a replica holds it too, and every one confirmed is still there after the replica has been promoted; the others
 * failed with an error the client can retry (503 with {@code Retry-After} at the HTTP edge).
 */
class RevocationFailoverTest {

    private final MutableClock clock = new MutableClock(Instant.now());
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @ParameterizedTest
    @ValueSource(strings = {"sentinel", "cluster"})
    void aRevocationIsConfirmedOnlyOnceAReplicaHoldsItAndEveryConfirmedOneSurvivesTheFailover(String deployment) throws Exception {
        try (Deployment redis = Deployment.start(deployment);
             RedisConnections connections = RedisConnections.connect(redis.url(), Duration.ofSeconds(2), Duration.ofSeconds(2))) {
            RevocationStore store = new RevocationStore(connections, clock, properties(), meters);
            Instant expiresAt = clock.instant().plus(Duration.ofMinutes(10));

            store.revokeToken("before", expiresAt).block(Duration.ofSeconds(5));
            assertThat(count("replicated")).isEqualTo(1);

            // The replica stops answering (as one lagging behind would): the master takes the script, the replica
            // does not confirm it in time, and the caller is told to retry rather than that it is done.
            RedisClient replicaClient = RedisClient.create(redis.replica().url());
            var sleeper = replicaClient.connect();
            var probe = replicaClient.connect();
            var asleep = sleeper.async().dispatch(io.lettuce.core.protocol.CommandType.DEBUG,
                    new io.lettuce.core.output.StatusOutput<>(io.lettuce.core.codec.StringCodec.UTF8),
                    new io.lettuce.core.protocol.CommandArgs<>(io.lettuce.core.codec.StringCodec.UTF8).add("SLEEP").add("2"));
            await().atMost(Duration.ofSeconds(2)).until(() -> !answersWithin(probe, Duration.ofMillis(100)));
            assertThat(outcomeOf(store.revokeToken("unconfirmed", expiresAt)))
                    .isInstanceOfSatisfying(ApiException.class, error -> {
                        assertThat(error.getStatusCode().value()).isEqualTo(503);
                        assertThat(error.getHeaders().getFirst("Retry-After")).isEqualTo("1");
                    });
            assertThat(count("unreplicated")).isEqualTo(1);
            asleep.toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
            sleeper.close();
            probe.close();
            replicaClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));

            // Revocations keep coming while the master is killed and the replica promoted.
            List<String> confirmed = new CopyOnWriteArrayList<>(List.of("before"));
            List<Throwable> refused = new CopyOnWriteArrayList<>();
            redis.master().stop();
            Instant healthy = null;
            // bounded by time, not by attempts: a refused write can come back in microseconds, a promotion takes seconds
            Instant giveUp = Instant.now().plus(Duration.ofSeconds(45));
            for (int i = 0; healthy == null || confirmed.stream().noneMatch(jti -> jti.startsWith("after-")); i++) {
                String jti = (healthy == null ? "during-" : "after-") + i;
                Throwable error = outcomeOf(store.revokeToken(jti, expiresAt));
                if (error == null) {
                    confirmed.add(jti);
                } else {
                    refused.add(error);
                }
                if (healthy == null && redis.failedOver()) {
                    healthy = Instant.now();
                }
                assertThat(Instant.now()).as("revocations work again after the fail-over").isBefore(giveUp);
            }

            // every refusal was retryable; every confirmed revocation is on the promoted master
            assertThat(refused).allSatisfy(error -> assertThat(error).satisfiesAnyOf(
                    e -> assertThat(e).isInstanceOf(RedisException.class),
                    e -> assertThat(e).isInstanceOfSatisfying(ApiException.class,
                            api -> assertThat(api.getStatusCode().value()).isEqualTo(503))));
            assertThat(refused).isNotEmpty();
            try (RedisConnections after = RedisConnections.connect(redis.url(), Duration.ofSeconds(2), Duration.ofSeconds(2))) {
                for (String jti : confirmed) {
                    assertThat(after.reactive().exists(RevocationKeys.jtiKey(jti)).block(Duration.ofSeconds(5)))
                            .as("confirmed revocation %s after the fail-over", jti).isOne();
                }
            }
        }
    }

    private static Throwable outcomeOf(reactor.core.publisher.Mono<?> write) {
        try {
            write.block(Duration.ofSeconds(10));
            return null;
        } catch (RuntimeException e) {
            return e instanceof ApiException || e instanceof RedisException ? e : e.getCause() != null ? e.getCause() : e;
        }
    }

    private double count(String outcome) {
        return meters.counter("portcullis.auth.revocation.writes", "outcome", outcome).count();
    }

    private static boolean answersWithin(io.lettuce.core.api.StatefulRedisConnection<String, String> connection, Duration timeout) {
        try {
            connection.async().ping().get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static AuthProperties properties() {
        return BoundAuthProperties.of("redis.revocation-replicas=1", "redis.revocation-replica-timeout=300ms");
    }

    /** Either deployment, with the master of the revocation set and its replica. */
    private interface Deployment extends AutoCloseable {

        static Deployment start(String kind) {
            if (kind.equals("sentinel")) {
                TestRedisSentinel sentinel = TestRedisSentinel.start(Duration.ofSeconds(1));
                return new Deployment() {
                    public String url() { return sentinel.url(); }
                    public RedisServerProcess master() { return sentinel.master(); }
                    public RedisServerProcess replica() { return sentinel.replica(); }
                    public boolean failedOver() { return tryFailedOver(() -> sentinel.awaitFailover(Duration.ofMillis(1))); }
                    public void close() { sentinel.close(); }
                };
            }
            TestRedisCluster cluster = TestRedisCluster.start(3, 1);
            RedisServerProcess master = cluster.masterOf(RevocationKeys.SEQUENCE_KEY);
            RedisServerProcess replica = cluster.replicaOf(master);
            return new Deployment() {
                public String url() { return cluster.urls(); }
                public RedisServerProcess master() { return master; }
                public RedisServerProcess replica() { return replica; }
                public boolean failedOver() { return tryFailedOver(() -> cluster.awaitFailover(master, Duration.ofMillis(1))); }
                public void close() { cluster.close(); }
            };
        }

        private static boolean tryFailedOver(Runnable check) {
            try {
                check.run();
                return true;
            } catch (IllegalStateException notYet) {
                return false;
            }
        }

        String url();

        RedisServerProcess master();

        RedisServerProcess replica();

        /** Whether Redis reports the fail-over done (the replica promoted, every node healthy). */
        boolean failedOver();

        @Override
        void close();
    }
}
