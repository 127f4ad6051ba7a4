package dev.portcullis.auth.refresh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.auth.support.AuthServiceTestBase;
import dev.portcullis.auth.support.RedisExpiry;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * How long a refresh family lives, with the service's clock moved by hand and Redis' expiries following it
 * ({@link RedisExpiry}): a session kept alive by refreshing is still ended by revoke-all, and no session outlives the
 * absolute lifetime (30 days by default) however often it is refreshed.
 */
class RefreshLifetimeTest extends AuthServiceTestBase {

    @Test
    void aSessionRefreshedPastTheLoginsOriginalLifetimeIsStillEndedByRevokeAll() {
        Session session = loginForBody("alice", "alice-password");
        // three refreshes five days apart: the family lives on well past the 7 days its login gave it
        for (int i = 0; i < 3; i++) {
            clock.advance(Duration.ofDays(5));
            RedisExpiry.expireKeysDueBy(redis, clock);
            session = refresh(session);
        }
        assertThat(redis.exists(RefreshTokenStore.subjectIndexKey("u-alice")))
                .as("the index of families lives as long as its longest-lived family").isOne();

        client.post().uri("/auth/revoke-all").header(HttpHeaders.AUTHORIZATION, bearer(session.accessToken()))
                .exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.refresh_families_revoked").isEqualTo(1);

        bodyRefresh(session.refreshToken()).expectStatus().isUnauthorized()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(redis.exists(RefreshTokenStore.familyKey("u-alice", session.refreshToken().substring(0, 22)))).isZero();
    }

    @Test
    void revokeAllEndsEveryFamilyOfTheUserAndNoOneElses() {
        Session laptop = loginForBody("alice", "alice-password");
        clock.advance(Duration.ofDays(4));
        laptop = refresh(laptop);
        Session phone = loginForBody("alice", "alice-password");
        Session bob = loginForBody("bob", "bob-password");
        clock.advance(Duration.ofDays(4));
        RedisExpiry.expireKeysDueBy(redis, clock);
        phone = refresh(phone);
        laptop = refresh(laptop);
        bob = refresh(bob);

        client.post().uri("/auth/revoke-all").header(HttpHeaders.AUTHORIZATION, bearer(phone.accessToken()))
                .exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.refresh_families_revoked").isEqualTo(2);
        bodyRefresh(laptop.refreshToken()).expectStatus().isUnauthorized();
        bodyRefresh(phone.refreshToken()).expectStatus().isUnauthorized();
        bodyRefresh(bob.refreshToken()).expectStatus().isOk();
    }

    @Test
    void aFamilyPastItsAbsoluteLifetimeCannotRefreshHoweverRecentlyItWasUsed() {
        Session session = loginForBody("alice", "alice-password");
        for (int i = 0; i < 4; i++) { // days 6, 12, 18, 24: never idle for long
            clock.advance(Duration.ofDays(6));
            session = refresh(session);
        }
        String family = session.refreshToken().substring(0, 22);
        // Redis is told as well: the family's key expires at login + 30 days, not at the last refresh + 7 days
        long expiresIn = clock.millis() + Duration.ofDays(6).toMillis() - System.currentTimeMillis();
        assertThat(redis.pttl(RefreshTokenStore.familyKey("u-alice", family))).isBetween(expiresIn - 10_000, expiresIn);

        clock.advance(Duration.ofDays(6)); // day 30, six days after the last use; Redis still holds the family
        bodyRefresh(session.refreshToken()).expectStatus().isUnauthorized()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.status").isEqualTo(401);
        assertThat(redis.exists(RefreshTokenStore.familyKey("u-alice", family))).isZero();
        assertThat(redis.zrange(RefreshTokenStore.subjectIndexKey("u-alice"), 0, -1)).doesNotContain(family);
    }

    @Test
    void aFamilyUnusedForTheSlidingLifetimeCannotRefresh() {
        Session session = loginForBody("alice", "alice-password");
        clock.advance(Duration.ofDays(7));
        bodyRefresh(session.refreshToken()).expectStatus().isUnauthorized()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON);
    }

    private Session refresh(Session session) {
        Map<?, ?> body = bodyRefresh(session.refreshToken()).expectStatus().isOk()
                .expectBody(Map.class).returnResult().getResponseBody();
        return new Session((String) body.get("access_token"), (String) body.get("refresh_token"));
    }

    private WebTestClient.ResponseSpec bodyRefresh(String token) {
        return client.post().uri("/auth/refresh").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("refresh_token", token)).exchange();
    }
}
