package dev.portcullis.auth.revocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.auth.support.AuthServiceTestBase;
import dev.portcullis.contract.RevocationKeys;
import dev.portcullis.contract.RevocationMessage;
import dev.portcullis.testsupport.TestRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;

/**
 * What the gateway reads, byte for byte: {@code {revoked}:jti:<jti>} = "1" with a TTL to exp + 30 s skew,
 * {@code {revoked}:sub:<sub>} = the epoch-ms string with a TTL of the shared max-token-lifetime bound + skew, {@code {revoked}:seq}
 * bumped once per revocation, and one message per revocation on {@code revocations}, carrying that sequence, that the
 * contract's decoder understands.
 */
class RevocationRedisContractTest extends AuthServiceTestBase {

    private RedisClient subscriberClient;
    private StatefulRedisPubSubConnection<String, String> subscriber;
    private final List<String> messages = new CopyOnWriteArrayList<>();

    @BeforeEach
    void subscribe() {
        subscriberClient = RedisClient.create(TestRedis.url());
        subscriber = subscriberClient.connectPubSub();
        subscriber.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
                if (RevocationKeys.CHANNEL.equals(channel)) {
                    messages.add(message);
                }
            }
        });
        subscriber.sync().subscribe(RevocationKeys.CHANNEL);
    }

    @AfterEach
    void unsubscribe() {
        subscriber.close();
        subscriberClient.shutdown();
    }

    @Test
    void logoutWritesTheJtiKeyTheGatewayReadsAndPublishesTokenRevoked() throws Exception {
        clock.set(Instant.ofEpochSecond(1_900_000_000L));
        Session session = login("alice", "alice-password");
        var claims = SignedJWT.parse(session.accessToken()).getJWTClaimsSet();
        String jti = claims.getJWTID();
        long expMs = claims.getExpirationTime().getTime();

        client.post().uri("/auth/logout").header(HttpHeaders.AUTHORIZATION, bearer(session.accessToken()))
                .exchange().expectStatus().isNoContent();

        assertThat(redis.get("{revoked}:jti:" + jti)).isEqualTo("1");
        assertThat(redis.pttl("{revoked}:jti:" + jti)).isBetween(925_000L, 930_000L); // 15 min + 30 s skew
        assertThat(redis.get("{revoked}:seq")).isEqualTo("1");
        assertThat(redis.ttl("{revoked}:seq")).as("the sequence never expires").isEqualTo(-1L);
        await().atMost(Duration.ofSeconds(5)).until(() -> !messages.isEmpty());
        // the issue instant (the auth service's clock at the logout) rides after the sequence
        assertThat(messages).containsExactly("jti " + jti + " " + expMs + " 1 1900000000000");
        assertThat(RevocationMessage.decode(messages.getFirst()))
                .contains(new RevocationMessage.TokenRevoked(jti, expMs, 1).issuedAt(1_900_000_000_000L));
    }

    @Test
    void revokeAllWritesTheSubjectMarkerTheGatewayReadsAndPublishesSubjectRevoked() {
        clock.set(Instant.ofEpochMilli(1_900_000_000_123L));
        Session session = login("bob", "bob-password");
        client.post().uri("/auth/revoke-all").header(HttpHeaders.AUTHORIZATION, bearer(session.accessToken()))
                .exchange().expectStatus().isOk();

        assertThat(redis.get("{revoked}:sub:u-bob")).isEqualTo("1900000000123");
        // the shared bound portcullis.auth.max-token-lifetime (1 h, what the gateway accepts) + 30 s skew
        assertThat(redis.pttl("{revoked}:sub:u-bob")).isBetween(3_625_000L, 3_630_000L);
        await().atMost(Duration.ofSeconds(5)).until(() -> !messages.isEmpty());
        assertThat(messages).containsExactly("sub u-bob 1900000000123 1 1900000000123");
        assertThat(RevocationMessage.decode(messages.getFirst()))
                .contains(new RevocationMessage.SubjectRevoked("u-bob", 1_900_000_000_123L, 1).issuedAt(1_900_000_000_123L));
    }

    @Test
    void writesNoOtherKeysInTheGatewaysNamespaces() {
        Session session = login("alice", "alice-password");
        client.post().uri("/auth/logout").header(HttpHeaders.AUTHORIZATION, bearer(session.accessToken()))
                .exchange().expectStatus().isNoContent();
        assertThat(redis.keys("{revoked}:*")).containsExactlyInAnyOrder(
                RevocationKeys.SEQUENCE_KEY, redis.keys(RevocationKeys.JTI_PREFIX + "*").getFirst());
        assertThat(redis.keys("*")).allMatch(k -> k.startsWith("auth:") || k.startsWith(RevocationKeys.HASH_TAG + ":"));
    }
}
