package dev.portcullis.auth.revocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.auth.config.AuthProperties;
import dev.portcullis.auth.config.BoundAuthProperties;
import dev.portcullis.contract.RevocationKeys;
import dev.portcullis.contract.RevocationMessage;
import dev.portcullis.redis.RedisConnections;
import dev.portcullis.testsupport.MutableClock;
import dev.portcullis.testsupport.TestRedis;
import dev.portcullis.testsupport.TestRedisCluster;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link RevocationStore}'s one script against a real single node and a real three-master cluster: the key, the
 * sequence and the message carrying it go out together, or Redis Cluster would answer CROSSSLOT.
 */
class RevocationScriptTest {

    private static TestRedisCluster cluster;

    private final MutableClock clock = new MutableClock(Instant.ofEpochMilli(1_900_000_000_123L));

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static synchronized String url(String deployment) {
        if (deployment.equals("standalone")) {
            return TestRedis.url();
        }
        if (cluster == null) {
            cluster = TestRedisCluster.start(3);
        }
        return cluster.urls();
    }

    @ParameterizedTest
    @ValueSource(strings = {"standalone", "cluster"})
    void writesTheKeyBumpsTheSequenceAndPublishesTheMessageCarryingItInOneScript(String deployment) {
        try (RedisConnections redis = RedisConnections.connect(url(deployment), Duration.ofSeconds(2), Duration.ofSeconds(5))) {
            List<String> messages = subscribe(redis);
            RevocationStore store = new RevocationStore(redis, clock, defaults(),
                    new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
            long before = sequence(redis);
            Instant expiresAt = clock.instant().plus(Duration.ofMinutes(10));

            store.revokeToken("j-" + deployment, expiresAt).block(Duration.ofSeconds(5));
            store.revokeSubject("u-" + deployment).block(Duration.ofSeconds(5));

            assertThat(redis.reactive().get(RevocationKeys.jtiKey("j-" + deployment)).block()).isEqualTo("1");
            assertThat(redis.reactive().pttl(RevocationKeys.jtiKey("j-" + deployment)).block())
                    .isBetween(625_000L, 630_000L); // 10 min to exp + 30 s skew
            assertThat(redis.reactive().get(RevocationKeys.subjectKey("u-" + deployment)).block()).isEqualTo("1900000000123");
            assertThat(sequence(redis)).isEqualTo(before + 2);
            await().atMost(Duration.ofSeconds(5)).until(() -> messages.size() == 2);
            assertThat(messages).containsExactly(
                    "jti j-" + deployment + " " + expiresAt.toEpochMilli() + " " + (before + 1) + " 1900000000123",
                    "sub u-" + deployment + " 1900000000123 " + (before + 2) + " 1900000000123");
            assertThat(RevocationMessage.decode(messages.get(1))).contains(new RevocationMessage.SubjectRevoked(
                    "u-" + deployment, 1_900_000_000_123L, before + 2).issuedAt(1_900_000_000_123L));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"standalone", "cluster"})
    void aRevocationWhoseMessageIsLostStillMovesTheSequenceThatGatewaysRead(String deployment) {
        try (RedisConnections redis = RedisConnections.connect(url(deployment), Duration.ofSeconds(2), Duration.ofSeconds(5))) {
            List<String> messages = subscribe(redis);
            RevocationStore lost = new RevocationStore(redis, clock, defaults(),
                    new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), "revocations-nobody-listens");
            RevocationStore heard = new RevocationStore(redis, clock, defaults(),
                    new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
            long before = sequence(redis);

            lost.revokeToken("lost-" + deployment, clock.instant().plusSeconds(60)).block(Duration.ofSeconds(5));
            heard.revokeToken("heard-" + deployment, clock.instant().plusSeconds(60)).block(Duration.ofSeconds(5));

            assertThat(redis.reactive().exists(RevocationKeys.jtiKey("lost-" + deployment)).block()).isOne();
            await().atMost(Duration.ofSeconds(5)).until(() -> !messages.isEmpty());
            // what a gateway sees: a message two above the last one it heard
            assertThat(messages).singleElement().satisfies(message -> assertThat(RevocationMessage.decode(message))
                    .get().extracting(RevocationMessage::sequence).isEqualTo(before + 2));
        }
    }

    private static List<String> subscribe(RedisConnections redis) {
        List<String> messages = new CopyOnWriteArrayList<>();
        StatefulRedisPubSubConnection<String, String> pubSub = redis.connectPubSub();
        pubSub.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
                messages.add(message);
            }
        });
        pubSub.sync().subscribe(RevocationKeys.CHANNEL);
        return messages;
    }

    private static long sequence(RedisConnections redis) {
        String value = redis.reactive().get(RevocationKeys.SEQUENCE_KEY).block(Duration.ofSeconds(5));
        return value == null ? 0 : Long.parseLong(value);
    }

    private static AuthProperties defaults() {
        return BoundAuthProperties.of();
    }
}
