package dev.portcullis.auth.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.auth.support.AuthServiceTestBase;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

class AbuseLimitTest extends AuthServiceTestBase {

    private static final String ATTACKER = "203.0.113.66";
    private static final String VICTIM = "198.51.100.7";

    @Test
    void locksAnAccountForTheAttackingIpAfterFiveFailuresWithRetryAfter() {
        for (int i = 0; i < 5; i++) {
            attempt("alice", "guess-" + i, ATTACKER).expectStatus().isUnauthorized();
        }
        attempt("alice", "alice-password", ATTACKER)
                .expectStatus().isEqualTo(429)
                .expectHeader().valueEquals(HttpHeaders.RETRY_AFTER, "30")
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.type").isEqualTo("urn:portcullis:problem:rate-limited");
    }

    @Test
    void theOwnerLogsInFromElsewhereWhileTheAttackerIsLockedOut() {
        for (int i = 0; i < 8; i++) {
            attempt("alice", "guess-" + i, ATTACKER);
        }
        attempt("alice", "alice-password", VICTIM).expectStatus().isOk();
    }

    @Test
    void theLockOutDoublesButIsCappedAndExpires() {
        for (int i = 0; i < 5; i++) {
            attempt("bob", "guess", ATTACKER).expectStatus().isUnauthorized();
        }
        // keep failing after each lock-out: 30 s, 60 s, 120 s, 240 s, then capped at 300 s
        long[] expected = {60, 120, 240, 300, 300};
        for (long seconds : expected) {
            clock.advance(Duration.ofMinutes(5).plusSeconds(1));
            attempt("bob", "guess", ATTACKER).expectStatus().isUnauthorized();
            attempt("bob", "guess", ATTACKER).expectStatus().isEqualTo(429)
                    .expectHeader().valueEquals(HttpHeaders.RETRY_AFTER, Long.toString(seconds));
        }
        clock.advance(Duration.ofMinutes(5).plusSeconds(1));
        attempt("bob", "bob-password", ATTACKER).expectStatus().isOk();
        // a success clears the failures
        attempt("bob", "guess", ATTACKER).expectStatus().isUnauthorized();
        attempt("bob", "bob-password", ATTACKER).expectStatus().isOk();
    }

    @Test
    void unknownAccountsAreLockedLikeKnownOnesSoTheLockOutRevealsNothing() {
        for (int i = 0; i < 5; i++) {
            attempt("nobody-here", "guess", ATTACKER).expectStatus().isUnauthorized();
        }
        attempt("nobody-here", "guess", ATTACKER).expectStatus().isEqualTo(429);
    }

    @Test
    void limitsAttemptsPerClientIpAcrossAccounts() {
        String ip = "192.0.2.99";
        for (int i = 0; i < 30; i++) {
            attempt("user" + i, "guess", ip).expectStatus().isUnauthorized();
        }
        attempt("alice", "alice-password", ip).expectStatus().isEqualTo(429)
                .expectHeader().exists(HttpHeaders.RETRY_AFTER);
        attempt("alice", "alice-password", "192.0.2.100").expectStatus().isOk();
    }

    @Test
    void countsFailuresPerAccountAndIpInClusterSafeKeys() {
        attempt("alice", "guess", ATTACKER).expectStatus().isUnauthorized();
        assertThat(redis.keys("auth:limit:*")).containsExactlyInAnyOrder(
                "auth:limit:{login-ip:" + ATTACKER + "}",
                "auth:limit:{login-account:alice|" + ATTACKER + "}");
        assertThat(redis.hget("auth:limit:{login-account:alice|" + ATTACKER + "}", "fails")).isEqualTo("1");
    }

    private WebTestClient.ResponseSpec attempt(String username, String password, String ip) {
        return client.post().uri("/auth/login").contentType(MediaType.APPLICATION_JSON)
                .header("X-Forwarded-For", ip)
                .bodyValue(Map.of("username", username, "password", password))
                .exchange();
    }
}
