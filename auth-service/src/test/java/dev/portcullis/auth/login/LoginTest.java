package dev.portcullis.auth.login;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.auth.support.AuthServiceTestBase;
import dev.portcullis.contract.ProblemTypes;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseCookie;

class LoginTest extends AuthServiceTestBase {

    @Test
    void answersTokenAndUserAndSetsTheRefreshCookieWithStrictAttributes() {
        var result = client.post().uri("/auth/login").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("username", "alice", "password", "alice-password"))
                .exchange()
                .expectStatus().isOk()
                .expectHeader().cacheControl(org.springframework.http.CacheControl.noStore())
                .expectBody()
                .jsonPath("$.token_type").isEqualTo("Bearer")
                .jsonPath("$.expires_in").isEqualTo(900)
                .jsonPath("$.access_token").isNotEmpty()
                .jsonPath("$.user.id").isEqualTo("u-alice")
                .jsonPath("$.user.username").isEqualTo("alice")
                .jsonPath("$.user.role").isEqualTo("user")
                .jsonPath("$.refresh_token").doesNotExist()
                .returnResult();
        ResponseCookie cookie = result.getResponseCookies().getFirst("refresh_token");
        assertThat(cookie).isNotNull();
        assertThat(cookie.isHttpOnly()).isTrue();
        assertThat(cookie.isSecure()).isTrue();
        assertThat(cookie.getSameSite()).isEqualTo("Strict");
        assertThat(cookie.getPath()).isEqualTo("/auth");
        assertThat(cookie.getMaxAge()).hasDays(7);
        assertThat(cookie.getValue()).matches("[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}");
    }

    @Test
    void storesOnlyTheHashOfTheRefreshToken() {
        Session session = login("alice", "alice-password");
        String family = session.refreshToken().substring(0, 22);
        String key = dev.portcullis.auth.refresh.RefreshTokenStore.familyKey("u-alice", family);
        Map<String, String> stored = redis.hgetall(key);
        assertThat(stored).containsEntry("sub", "u-alice").containsKey("cur");
        assertThat(stored.values()).noneMatch(v -> v.contains(session.refreshToken().substring(23)));
        // expiry set at the service's clock + 7 days (PEXPIREAT)
        long expected = clock.millis() + 604_800_000L - System.currentTimeMillis();
        assertThat(redis.pttl(key)).isBetween(expected - 10_000L, expected);
    }

    @Test
    void givesTheRefreshTokenInTheBodyToClientsThatOptIn() {
        client.post().uri("/auth/login").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("username", "alice", "password", "alice-password", "refresh_token_in_body", true))
                .exchange()
                .expectStatus().isOk()
                .expectHeader().doesNotExist(HttpHeaders.SET_COOKIE)
                .expectBody()
                .jsonPath("$.refresh_token").isNotEmpty()
                .jsonPath("$.refresh_expires_in").isEqualTo(604800);
    }

    @Test
    void acceptsTheUsernameInAnyCase() {
        client.post().uri("/auth/login").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("username", "ALICE", "password", "alice-password"))
                .exchange()
                .expectStatus().isOk();
    }

    @Test
    void answersAnUnknownUserExactlyLikeAWrongPassword() {
        byte[] unknown = client.post().uri("/auth/login").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("username", "mallory", "password", "alice-password"))
                .exchange()
                .expectStatus().isUnauthorized()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().returnResult().getResponseBody();
        byte[] wrongPassword = client.post().uri("/auth/login").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("username", "alice", "password", "wrong-password"))
                .exchange()
                .expectStatus().isUnauthorized()
                .expectBody().returnResult().getResponseBody();
        assertThat(new String(unknown)).isEqualTo(new String(wrongPassword))
                .contains(ProblemTypes.INVALID_CREDENTIALS.toString());
    }

    static Stream<Arguments> badBodies() {
        String huge = "x".repeat(40_000);
        return Stream.of(
                Arguments.of("empty body", MediaType.APPLICATION_JSON, "", 400),
                Arguments.of("empty object", MediaType.APPLICATION_JSON, "{}", 400),
                Arguments.of("malformed json", MediaType.APPLICATION_JSON, "{\"username\": ", 400),
                Arguments.of("json array", MediaType.APPLICATION_JSON, "[1,2]", 400),
                Arguments.of("number for username", MediaType.APPLICATION_JSON, "{\"username\":123,\"password\":\"p\"}", 400),
                Arguments.of("object for password", MediaType.APPLICATION_JSON, "{\"username\":\"alice\",\"password\":{}}", 400),
                Arguments.of("boolean for username", MediaType.APPLICATION_JSON, "{\"username\":true,\"password\":\"p\"}", 400),
                Arguments.of("blank username", MediaType.APPLICATION_JSON, "{\"username\":\"  \",\"password\":\"p\"}", 400),
                Arguments.of("missing password", MediaType.APPLICATION_JSON, "{\"username\":\"alice\"}", 400),
                Arguments.of("overlong username", MediaType.APPLICATION_JSON,
                        "{\"username\":\"" + "a".repeat(200) + "\",\"password\":\"p\"}", 400),
                Arguments.of("unicode user that does not exist", MediaType.APPLICATION_JSON,
                        "{\"username\":\"\u00e5lice\u202e\ud83d\ude00\",\"password\":\"\u00fc\u00f1\u00ee\"}", 401),
                Arguments.of("huge body", MediaType.APPLICATION_JSON, "{\"username\":\"" + huge + "\",\"password\":\"p\"}", 413),
                Arguments.of("wrong content type", MediaType.TEXT_PLAIN, "username=alice", 415),
                Arguments.of("form content type", MediaType.APPLICATION_FORM_URLENCODED, "username=alice&password=x", 415));
    }

    @ParameterizedTest(name = "{0} -> {3}")
    @MethodSource("badBodies")
    void refusesBadInputWithAProblemDocumentAndNeverA500(String name, MediaType type, String body, int status) {
        client.post().uri("/auth/login").contentType(type).bodyValue(body)
                .exchange()
                .expectStatus().isEqualTo(status)
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.type").isNotEmpty()
                .jsonPath("$.title").isNotEmpty()
                .jsonPath("$.status").isEqualTo(status)
                .jsonPath("$.detail").isNotEmpty();
    }

    @Test
    void answersUnknownPathsAndWrongMethodsWithProblems() {
        client.get().uri("/auth/nothing-here").exchange()
                .expectStatus().isNotFound()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.type").isEqualTo(ProblemTypes.NOT_FOUND.toString());
        client.get().uri("/auth/login").exchange()
                .expectStatus().isEqualTo(405)
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.type").isEqualTo(ProblemTypes.METHOD_NOT_ALLOWED.toString());
    }

    @Test
    void neverEchoesThePasswordInAnAnswer() {
        String body = new String(client.post().uri("/auth/login").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("username", "alice", "password", "s3cret-guess-\u00e9"))
                .exchange().expectStatus().isUnauthorized()
                .expectBody().returnResult().getResponseBody(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(body).doesNotContain("s3cret-guess");
    }
}
