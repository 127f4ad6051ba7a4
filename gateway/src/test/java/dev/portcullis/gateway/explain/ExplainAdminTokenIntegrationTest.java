package dev.portcullis.gateway.explain;

import dev.portcullis.gateway.support.GatewayIntegrationTest;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/** With {@code portcullis.explain.admin-token-sha256} set, only a caller with the secret gets an explanation. */
@TestPropertySource(properties = "portcullis.explain.admin-token-sha256=" + ExplainAdminTokenIntegrationTest.SECRET_SHA256)
class ExplainAdminTokenIntegrationTest extends GatewayIntegrationTest {

    static final String SECRET = "correct horse battery staple";
    /** printf %s 'correct horse battery staple' | sha256sum */
    static final String SECRET_SHA256 = "c4bbcb1fbec99d65bf59d85c8cb62ee2db963f0fe106f483d9afa73bd4e39a8a";

    @Test
    void theConfiguredHashIsTheSecretsSha256() {
        org.assertj.core.api.Assertions.assertThat(HexFormat.of().formatHex(ExplainProperties.sha256(SECRET)))
                .isEqualTo(SECRET_SHA256);
    }

    @Test
    void refusesACallerWithoutTheAdminTokenWith401() {
        explain(null).expectStatus().isUnauthorized()
                .expectHeader().valueEquals(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"portcullis-management\"")
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.status").isEqualTo(401);
        explain("Bearer not-the-secret").expectStatus().isUnauthorized();
        explain("Basic " + SECRET).expectStatus().isUnauthorized();
    }

    @Test
    void explainsForACallerWithTheAdminToken() {
        explain("Bearer " + SECRET).expectStatus().isOk()
                .expectBody().jsonPath("$.decision.reason").isEqualTo("missing")
                .jsonPath("$.route").isEqualTo("users");
    }

    private WebTestClient.ResponseSpec explain(String authorization) {
        WebTestClient.RequestBodySpec request = management().post().uri("/actuator/portcullis/explain")
                .contentType(MediaType.APPLICATION_JSON);
        if (authorization != null) {
            request = request.header(HttpHeaders.AUTHORIZATION, authorization);
        }
        return request.bodyValue(Map.of("method", "GET", "path", "/api/users/me")).exchange();
    }
}
