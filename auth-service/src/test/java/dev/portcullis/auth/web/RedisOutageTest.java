package dev.portcullis.auth.web;

import static org.awaitility.Awaitility.await;

import dev.portcullis.auth.support.AuthServiceTestBase;
import dev.portcullis.testsupport.OwnRedis;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** A Redis of its own, taken away: every state-touching endpoint fails closed with a 503 problem, never a 500. */
class RedisOutageTest extends AuthServiceTestBase {

    @RegisterExtension
    static final OwnRedis ownRedis = OwnRedis.standalone();

    @DynamicPropertySource
    static void ownRedis(DynamicPropertyRegistry registry) {
        registry.add("portcullis.auth.redis.url", ownRedis::url);
    }

    @Test
    void loginLogoutAndRefreshAnswer503WhileRedisIsDownAndWorkAgainAfter() {
        Session session = login("alice", "alice-password");

        ownRedis.stop();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> client.post().uri("/auth/login")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"username\":\"alice\",\"password\":\"alice-password\"}")
                .exchange()
                .expectStatus().isEqualTo(503)
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectHeader().exists("Retry-After"));
        client.post().uri("/auth/logout").header("Authorization", bearer(session.accessToken())).exchange()
                .expectStatus().isEqualTo(503)
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON);
        client.post().uri("/auth/refresh").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"refresh_token\":\"" + session.refreshToken() + "\"}").exchange()
                .expectStatus().isEqualTo(503);

        ownRedis.start();

        // the restarted server is empty (no persistence here): the user is unknown now, which only Redis can say
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> client.post().uri("/auth/login")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"username\":\"alice\",\"password\":\"alice-password\"}")
                .exchange().expectStatus().isUnauthorized());
    }
}
