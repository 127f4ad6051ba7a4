package dev.portcullis.auth.refresh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.auth.support.AuthServiceTestBase;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseCookie;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

class RefreshTest extends AuthServiceTestBase {

    @Test
    void cookieRefreshAnswersANewAccessTokenAndRotatesTheCookie() {
        Session session = login("alice", "alice-password");
        var result = cookieRefresh(session.refreshToken())
                .expectStatus().isOk()
                .expectBody().jsonPath("$.access_token").isNotEmpty().jsonPath("$.refresh_token").doesNotExist()
                .returnResult();
        ResponseCookie rotated = result.getResponseCookies().getFirst("refresh_token");
        assertThat(rotated.getValue()).isNotEqualTo(session.refreshToken())
                .startsWith(session.refreshToken().substring(0, 22)); // same family
        assertThat(rotated.isHttpOnly()).isTrue();
        assertThat(rotated.isSecure()).isTrue();
        assertThat(rotated.getSameSite()).isEqualTo("Strict");
        assertThat(rotated.getPath()).isEqualTo("/auth");
        cookieRefresh(rotated.getValue()).expectStatus().isOk();
    }

    @Test
    void bodyRefreshServesClientsWithoutCookies() {
        Session session = loginForBody("alice", "alice-password");
        Map<?, ?> body = bodyRefresh(session.refreshToken())
                .expectStatus().isOk()
                .expectHeader().doesNotExist(HttpHeaders.SET_COOKIE)
                .expectBody(Map.class).returnResult().getResponseBody();
        assertThat((String) body.get("refresh_token")).isNotEqualTo(session.refreshToken());
        assertThat(body.get("access_token")).isNotNull();
        client.get().uri("/auth/me").header(HttpHeaders.AUTHORIZATION, bearer((String) body.get("access_token")))
                .exchange().expectStatus().isOk();
    }

    @Test
    void aSpentTokenPresentedAgainRevokesTheWholeFamily() {
        Session session = loginForBody("alice", "alice-password");
        String next = (String) bodyRefresh(session.refreshToken()).expectStatus().isOk()
                .expectBody(Map.class).returnResult().getResponseBody().get("refresh_token");
        clock.advance(Duration.ofSeconds(3)); // beyond the 2 s race grace: this is a replay, not a race

        bodyRefresh(session.refreshToken())
                .expectStatus().isUnauthorized()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectHeader().value(HttpHeaders.WWW_AUTHENTICATE, v -> assertThat(v).contains("reuse"));
        // the thief's (or the victim's) newer token died with the family
        bodyRefresh(next).expectStatus().isUnauthorized();
        assertThat(redis.exists(RefreshTokenStore.familyKey("u-alice", session.refreshToken().substring(0, 22)))).isZero();
    }

    @Test
    void ofTwoConcurrentRefreshesWithTheSameTokenExactlyOneWins() {
        Session session = loginForBody("alice", "alice-password");
        WebClient web = WebClient.create("http://localhost:" + port);
        Mono<Integer> call = web.post().uri("/auth/refresh").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("refresh_token", session.refreshToken()))
                .exchangeToMono(response -> response.releaseBody().thenReturn(response.statusCode().value()));
        List<Integer> statuses = Flux.merge(call, call, call, call).collectList().block(Duration.ofSeconds(20));
        assertThat(statuses).containsOnlyOnce(200);
        assertThat(statuses).filteredOn(s -> s != 200).containsOnly(409);
        // the race did not kill the family: the winner's session goes on
        assertThat(redis.exists(RefreshTokenStore.familyKey("u-alice", session.refreshToken().substring(0, 22)))).isOne();
    }

    @Test
    void cookieFlowRequiresTheCustomHeader() {
        Session session = login("alice", "alice-password");
        client.post().uri("/auth/refresh").cookie("refresh_token", session.refreshToken()).exchange()
                .expectStatus().isForbidden()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON);
        // the token was not spent by the refused request
        cookieRefresh(session.refreshToken()).expectStatus().isOk();
    }

    @Test
    void cookieFlowRefusesAForeignOriginAndAcceptsTheIssuersOrigin() {
        Session session = login("alice", "alice-password");
        client.post().uri("/auth/refresh").cookie("refresh_token", session.refreshToken())
                .header("X-Requested-With", "XMLHttpRequest").header(HttpHeaders.ORIGIN, "https://evil.example")
                .exchange().expectStatus().isForbidden();
        client.post().uri("/auth/refresh").cookie("refresh_token", session.refreshToken())
                .header("X-Requested-With", "XMLHttpRequest").header(HttpHeaders.ORIGIN, "http://localhost:8080")
                .exchange().expectStatus().isOk();
    }

    @Test
    void refusesMissingMalformedAndUnknownTokens() {
        client.post().uri("/auth/refresh").header("X-Requested-With", "x").exchange()
                .expectStatus().isUnauthorized().expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON);
        bodyRefresh("not-a-token").expectStatus().isUnauthorized();
        bodyRefresh("AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").expectStatus().isUnauthorized();
        client.post().uri("/auth/refresh").contentType(MediaType.APPLICATION_JSON).bodyValue("{\"refresh_token\": 42}")
                .exchange().expectStatus().isBadRequest();
        client.post().uri("/auth/refresh").contentType(MediaType.TEXT_PLAIN).bodyValue("token")
                .exchange().expectStatus().isEqualTo(415);
    }

    @Test
    void aWrongSecretInAKnownFamilyDoesNotRevokeIt() {
        Session session = loginForBody("alice", "alice-password");
        String guess = session.refreshToken().substring(0, 23) + "B".repeat(43);
        bodyRefresh(guess).expectStatus().isUnauthorized();
        bodyRefresh(session.refreshToken()).expectStatus().isOk();
    }

    @Test
    void refreshedTokensReflectTheUsersCurrentRoleAndDropStepUp() {
        Session session = loginForBody("alice", "alice-password");
        redis.hset("auth:user:alice", "role", "auditor");
        String access = (String) bodyRefresh(session.refreshToken()).expectStatus().isOk()
                .expectBody(Map.class).returnResult().getResponseBody().get("access_token");
        client.get().uri("/auth/me").header(HttpHeaders.AUTHORIZATION, bearer(access)).exchange()
                .expectBody().jsonPath("$.role").isEqualTo("auditor").jsonPath("$.amr[0]").isEqualTo("pwd");
    }

    private org.springframework.test.web.reactive.server.WebTestClient.ResponseSpec cookieRefresh(String token) {
        return client.post().uri("/auth/refresh").cookie("refresh_token", token)
                .header("X-Requested-With", "XMLHttpRequest").exchange();
    }

    private org.springframework.test.web.reactive.server.WebTestClient.ResponseSpec bodyRefresh(String token) {
        return client.post().uri("/auth/refresh").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("refresh_token", token)).exchange();
    }
}
