package dev.portcullis.auth.user;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.auth.support.AuthServiceTestBase;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;

class AdminApiTest extends AuthServiceTestBase {

    @Test
    void anAdminCreatesAUserWhoCanThenLogIn() {
        String admin = stepUp(login("admin", "admin-password")).accessToken();
        client.post().uri("/auth/admin/users").header(HttpHeaders.AUTHORIZATION, bearer(admin))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("username", "Carol", "password", "carol-password-1", "role", "user",
                        "permissions", List.of("orders:read")))
                .exchange()
                .expectStatus().isCreated()
                .expectHeader().location("/auth/admin/users/carol")
                .expectBody()
                .jsonPath("$.username").isEqualTo("carol")
                .jsonPath("$.permissions[0]").isEqualTo("orders:read")
                .jsonPath("$.password_hash").doesNotExist();
        assertThat(redis.hget("auth:user:carol", "password_hash")).startsWith("$2a$04$");

        client.get().uri("/auth/admin/users/carol").header(HttpHeaders.AUTHORIZATION, bearer(admin)).exchange()
                .expectStatus().isOk().expectBody().jsonPath("$.role").isEqualTo("user");
        login("carol", "carol-password-1");
    }

    @Test
    void refusesDuplicatesUnknownUsersAndBadInput() {
        String admin = stepUp(login("admin", "admin-password")).accessToken();
        create(admin, Map.of("username", "alice", "password", "another-password", "role", "user", "permissions", List.of()))
                .expectStatus().isEqualTo(409);
        client.get().uri("/auth/admin/users/nobody").header(HttpHeaders.AUTHORIZATION, bearer(admin)).exchange()
                .expectStatus().isNotFound().expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON);
        for (Object body : List.of(
                Map.of("username", "dave", "password", "short", "role", "user", "permissions", List.of()),
                Map.of("username", "d a v e", "password", "long-enough-password", "role", "user", "permissions", List.of()),
                Map.of("username", "dave", "password", "long-enough-password", "role", "Root!", "permissions", List.of()),
                Map.of("username", "dave", "password", "long-enough-password", "role", "user", "permissions", List.of("all")),
                Map.of("username", "dave", "password", "\u00e9".repeat(40), "role", "user", "permissions", List.of()),
                Map.of("username", "dave", "password", "long-enough-password", "role", "user", "permissions", "orders:read"),
                Map.of())) {
            create(admin, body).expectStatus().isBadRequest()
                    .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON);
        }
    }

    @Test
    void onlyAdminsMayUseTheAdminApi() {
        String alice = login("alice", "alice-password").accessToken();
        create(alice, Map.of("username", "eve", "password", "eve-password-123", "role", "admin", "permissions", List.of()))
                .expectStatus().isForbidden()
                .expectHeader().value(HttpHeaders.WWW_AUTHENTICATE, v -> assertThat(v).contains("insufficient_scope"));
        client.get().uri("/auth/admin/users/alice").exchange().expectStatus().isUnauthorized();
        client.post().uri("/auth/admin/keys/rotate").header(HttpHeaders.AUTHORIZATION, bearer(alice)).exchange()
                .expectStatus().isForbidden();
        // a spoofed identity header is not an admin
        client.get().uri("/auth/admin/users/alice").header(HttpHeaders.AUTHORIZATION, bearer(alice))
                .header("x-user-role", "admin").exchange().expectStatus().isForbidden();
    }

    @Test
    void anAdminTokenWithoutAnMfaStepUpIsRefusedEverywhereInTheAdminApi() {
        Session admin = login("admin", "admin-password");
        int keysBefore = keyManager.publicJwks().getKeys().size();
        List<org.springframework.test.web.reactive.server.WebTestClient.ResponseSpec> answers = List.of(
                create(admin.accessToken(), Map.of("username", "eve", "password", "eve-password-123", "role", "admin",
                        "permissions", List.of())),
                client.get().uri("/auth/admin/users/alice").header(HttpHeaders.AUTHORIZATION, bearer(admin.accessToken()))
                        .exchange(),
                client.post().uri("/auth/admin/keys/rotate").header(HttpHeaders.AUTHORIZATION, bearer(admin.accessToken()))
                        .exchange());
        for (var answer : answers) {
            answer.expectStatus().isForbidden()
                    .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectHeader().value(HttpHeaders.WWW_AUTHENTICATE, v -> assertThat(v)
                            .startsWith("Bearer error=\"insufficient_scope\"").contains("MFA step-up"))
                    .expectBody().jsonPath("$.type").isEqualTo("urn:portcullis:problem:insufficient-scope");
        }
        assertThat(redis.exists("auth:user:eve")).isZero();
        assertThat(keyManager.publicJwks().getKeys()).hasSize(keysBefore);

        // the same admin after a TOTP step-up
        String stepped = stepUp(admin).accessToken();
        create(stepped, Map.of("username", "eve", "password", "eve-password-123", "role", "user",
                "permissions", List.of())).expectStatus().isCreated();
        assertThat(redis.exists("auth:user:eve")).isOne();
    }

    private org.springframework.test.web.reactive.server.WebTestClient.ResponseSpec create(String token, Object body) {
        return client.post().uri("/auth/admin/users").header(HttpHeaders.AUTHORIZATION, bearer(token))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
    }
}
