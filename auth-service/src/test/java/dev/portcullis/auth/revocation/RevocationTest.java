package dev.portcullis.auth.revocation;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.auth.refresh.RefreshTokenStore;
import dev.portcullis.auth.support.AuthServiceTestBase;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseCookie;

class RevocationTest extends AuthServiceTestBase {

    @Test
    void logoutRevokesTheAccessTokenDeletesTheFamilyAndClearsTheCookie() {
        Session session = login("alice", "alice-password");
        var result = client.post().uri("/auth/logout")
                .header(HttpHeaders.AUTHORIZATION, bearer(session.accessToken()))
                .cookie("refresh_token", session.refreshToken())
                .exchange()
                .expectStatus().isNoContent()
                .expectBody().isEmpty();
        ResponseCookie cleared = result.getResponseCookies().getFirst("refresh_token");
        assertThat(cleared.getValue()).isEmpty();
        assertThat(cleared.getMaxAge()).isZero();
        assertThat(cleared.getPath()).isEqualTo("/auth");

        me(session.accessToken()).expectStatus().isUnauthorized()
                .expectHeader().value(HttpHeaders.WWW_AUTHENTICATE, v -> assertThat(v).contains("revoked"));
        client.post().uri("/auth/refresh").cookie("refresh_token", session.refreshToken())
                .header("X-Requested-With", "x").exchange().expectStatus().isUnauthorized();
    }

    @Test
    void logoutOfABodyClientDeletesTheFamilyNamedInTheBody() {
        Session session = loginForBody("alice", "alice-password");
        client.post().uri("/auth/logout").header(HttpHeaders.AUTHORIZATION, bearer(session.accessToken()))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("refresh_token", session.refreshToken()))
                .exchange().expectStatus().isNoContent();
        assertThat(redis.exists(RefreshTokenStore.familyKey("u-alice", session.refreshToken().substring(0, 22)))).isZero();
    }

    @Test
    void logoutCannotDeleteSomeoneElsesFamily() {
        Session alice = loginForBody("alice", "alice-password");
        Session bob = loginForBody("bob", "bob-password");
        client.post().uri("/auth/logout").header(HttpHeaders.AUTHORIZATION, bearer(bob.accessToken()))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("refresh_token", alice.refreshToken()))
                .exchange().expectStatus().isNoContent();
        assertThat(redis.exists(RefreshTokenStore.familyKey("u-alice", alice.refreshToken().substring(0, 22)))).isOne();
    }

    @Test
    void logoutWithoutATokenIsRefused() {
        client.post().uri("/auth/logout").exchange()
                .expectStatus().isUnauthorized()
                .expectHeader().valueEquals(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON);
    }

    @Test
    void revokeAllRefusesTokensIssuedUpToNowAndAcceptsOneIssuedInTheSameSecondAfterIt() throws Exception {
        clock.set(Instant.ofEpochMilli(1_900_000_000_400L));
        Session before = login("alice", "alice-password");
        client.post().uri("/auth/revoke-all").header(HttpHeaders.AUTHORIZATION, bearer(before.accessToken()))
                .exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.revoked_at").isEqualTo(1_900_000_000_400L);

        me(before.accessToken()).expectStatus().isUnauthorized();
        // the refresh family died too: no way around revoke-all
        client.post().uri("/auth/refresh").cookie("refresh_token", before.refreshToken())
                .header("X-Requested-With", "x").exchange().expectStatus().isUnauthorized();

        // same clock second, after the revoke-all: the new token's iat is pushed to the next second and it works
        Session after = login("alice", "alice-password");
        var claims = SignedJWT.parse(after.accessToken()).getJWTClaimsSet();
        assertThat(claims.getIssueTime().toInstant()).isEqualTo(Instant.ofEpochSecond(1_900_000_001L));
        assertThat(claims.getNotBeforeTime()).isEqualTo(claims.getIssueTime());
        me(after.accessToken()).expectStatus().isOk();
    }

    @Test
    void theRevokeAllBoundaryIsIatTimesThousandAtOrBeforeTheMarker() {
        clock.set(Instant.ofEpochMilli(1_900_000_000_999L));
        Session session = login("bob", "bob-password");
        client.post().uri("/auth/revoke-all").header(HttpHeaders.AUTHORIZATION, bearer(session.accessToken()))
                .exchange().expectStatus().isOk();
        String atMarkerSecond = tokens().forUser("u-bob").issuedAt(Instant.ofEpochSecond(1_900_000_000L)).sign();
        String nextSecond = tokens().forUser("u-bob").issuedAt(Instant.ofEpochSecond(1_900_000_001L))
                .notBefore(Instant.ofEpochSecond(1_900_000_001L)).sign();
        me(atMarkerSecond).expectStatus().isUnauthorized();
        me(nextSecond).expectStatus().isOk();
    }

    @Test
    void anAdminWithAnMfaStepUpRevokesAnotherUsersTokensAndAUserOrAPasswordOnlyAdminCannot() {
        Session alice = login("alice", "alice-password");
        Session bob = login("bob", "bob-password");
        client.post().uri("/auth/revoke-all").header(HttpHeaders.AUTHORIZATION, bearer(bob.accessToken()))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("username", "alice"))
                .exchange().expectStatus().isForbidden()
                .expectHeader().value(HttpHeaders.WWW_AUTHENTICATE, v -> assertThat(v).contains("insufficient_scope"));
        me(alice.accessToken()).expectStatus().isOk();

        clock.advance(java.time.Duration.ofSeconds(1));
        Session passwordOnlyAdmin = login("admin", "admin-password");
        client.post().uri("/auth/revoke-all").header(HttpHeaders.AUTHORIZATION, bearer(passwordOnlyAdmin.accessToken()))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("username", "alice"))
                .exchange().expectStatus().isForbidden()
                .expectHeader().value(HttpHeaders.WWW_AUTHENTICATE, v -> assertThat(v).contains("insufficient_scope"));
        me(alice.accessToken()).expectStatus().isOk();

        SteppedUp admin = stepUp(passwordOnlyAdmin);
        client.post().uri("/auth/revoke-all").header(HttpHeaders.AUTHORIZATION, bearer(admin.accessToken()))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("username", "alice"))
                .exchange().expectStatus().isOk().expectBody().jsonPath("$.subject").isEqualTo("u-alice");
        me(alice.accessToken()).expectStatus().isUnauthorized();
        me(admin.accessToken()).expectStatus().isOk();
        me(bob.accessToken()).expectStatus().isOk();

        client.post().uri("/auth/revoke-all").header(HttpHeaders.AUTHORIZATION, bearer(admin.accessToken()))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("username", "nobody"))
                .exchange().expectStatus().isNotFound();
    }

    private org.springframework.test.web.reactive.server.WebTestClient.ResponseSpec me(String token) {
        return client.get().uri("/auth/me").header(HttpHeaders.AUTHORIZATION, bearer(token)).exchange();
    }
}
