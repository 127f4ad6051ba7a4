package dev.portcullis.gateway.web;

import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.gateway.support.GatewayIntegrationTest;
import dev.portcullis.gateway.support.RawHttp;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;

/**
 * The edge refuses what a route predicate and a service could read differently (paths), what could smuggle a second
 * credential (two Authorization headers, a token in the query), what is too big (headers), and keeps management off
 * the public port.
 */
class HardeningIntegrationTest extends GatewayIntegrationTest {

    /** Everything a service could see: nothing of these may arrive anywhere upstream. */
    private static final String ANY_SERVICE = "/(users|products|orders|auth|oauth2|public|api|x|it)(/.*)?";

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "/api/public/../orders",
            "/api/users/../orders",
            "/api/users/./me",
            "/api/users/%2e%2e/orders",
            "/api/users/%2E%2E/orders",
            "/api/users/.%2e/orders",
            "/api/users/%252e%252e/x",
            "/api/users;x=1/me",
            "/api/users/me;jsessionid=1",
            "/api/users/..;/orders",
            "/api/users//me",
            "/api/users/%2f..%2forders",
            "/api/users/%2F%2E%2E%2Forders",
            "/api/users\\..\\orders",
            "/api/users/%5c..%5corders",
            "/api/users/%00/me",
            "/api/users/me|id",
            "/api/users/{me}",
            // control characters, encoded (each would reach a service, a log or a terminal as itself)
            "/api/users/me%0d%0aSet-Cookie:x=1",
            "/api/users/me%09",
            "/api/users/me%0a",
            "/api/users/me%1b[31m",
            "/api/users/me%1F",
            "/api/users/me%7f",
            "/api/users/me%c2%85",
            // encodings that cannot be proved harmless
            "/api/users/me%3bjsessionid=1",
            "/api/users/me%zz",
            "/api/users/me%4",
            "/api/users/me%",
            "/api/users/%c0%ae%c0%ae/orders",
            "/api/users/%e0%80%ae%e0%80%ae/orders",
            "/api/users/%c0%af",
            "/api/users/%ed%a0%80",
            "/api/users/%f8%80%80%80%af",
            "/api/users/me%ff",
            "/api/users/caf%c3",
            "/api/users/caf%c3x",
            // raw bytes outside printable ASCII (written as ISO-8859-1: one byte each)
            "/api/users/caf\u00e9",
            "/api/users/me\u0085",
            "/api/users/me\u007f"})
    void refusesAmbiguousPathsWith400BeforeAnyRouteSeesThem(String path) {
        String token = tokens.forUser("u-1").permissions("orders:read", "users:read").sign();

        RawHttp.Response response = RawHttp.get(port, path, "Authorization: Bearer " + token);

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.header(HttpHeaders.CONTENT_TYPE)).startsWith(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        assertThat(response.body()).contains("\"status\":400").contains("\"type\":\"urn:portcullis:problem:");
        upstream.verify(0, anyRequestedFor(urlPathMatching(ANY_SERVICE)));
    }

    @Test
    void harmlessEncodingsStillReachTheService() {
        String token = tokens.forUser("u-1").permissions("users:read").sign();

        RawHttp.Response response = RawHttp.get(port, "/api/users/caf%C3%A9%20cr%C3%A8me%2Bx%F0%9F%99%82",
                "Authorization: Bearer " + token);

        assertThat(response.status()).isEqualTo(200);
        upstream.verify(1, anyRequestedFor(urlPathMatching("/users/caf.*")));
    }

    @Test
    void aTrailingSlashStillGetsTheOrdersPolicy() {
        client.get().uri("/api/orders/").exchange()
                .expectStatus().isUnauthorized()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON);
        String withoutPermission = tokens.forUser("u-1").permissions("users:read").sign();
        getWithToken("/api/orders/", withoutPermission).exchange().expectStatus().isForbidden();

        upstream.verify(0, anyRequestedFor(urlPathMatching("/orders.*")));
    }

    @Test
    void aPathInAnotherCaseMatchesNoRoute() {
        String token = tokens.forUser("u-1").permissions("users:read").sign();

        getWithToken("/API/users/me", token).exchange()
                .expectStatus().isNotFound()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.status").isEqualTo(404).jsonPath("$.type").isEqualTo("urn:portcullis:problem:not-found");
        getWithToken("/api/USERS/me", token).exchange().expectStatus().isNotFound();

        upstream.verify(0, anyRequestedFor(urlPathMatching("(?i)/(api/)?users.*")));
    }

    @Test
    void refusesTwoAuthorizationHeaders() {
        String token = tokens.forUser("u-1").sign();
        String other = tokens.forUser("admin").role("admin").sign();

        client.get().uri("/api/users/me")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + token, "Bearer " + other)
                .exchange()
                .expectStatus().isBadRequest()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectHeader().value(HttpHeaders.WWW_AUTHENTICATE, value -> assertThat(value).contains("error=\"invalid_request\""))
                .expectBody().jsonPath("$.type").isEqualTo("urn:portcullis:problem:invalid-request");

        upstream.verify(0, anyRequestedFor(urlPathMatching("/users.*")));
    }

    @Test
    void refusesATokenInTheQueryString() {
        String token = tokens.forUser("u-1").sign();

        client.get().uri(uri -> uri.path("/api/users/me").queryParam("access_token", token).build()).exchange()
                .expectStatus().isBadRequest()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody(String.class).value(body -> assertThat(body).contains("invalid-request").doesNotContain(token));
        // not even next to a valid header
        getWithToken("/api/users/me?access_token=" + token, token).exchange().expectStatus().isBadRequest();

        upstream.verify(0, anyRequestedFor(urlPathMatching("/users.*")));
    }

    @Test
    void refusesOversizedHeadersWith431() {
        String token = tokens.forUser("u-1").sign();

        getWithToken("/api/users/me", token).header("X-Padding", "p".repeat(16_500)).exchange()
                .expectStatus().isEqualTo(431)
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.status").isEqualTo(431);
        // the limit is on all headers together, not on one
        getWithToken("/api/users/me", token)
                .header("X-Padding-1", "p".repeat(6_000)).header("X-Padding-2", "p".repeat(6_000))
                .header("X-Padding-3", "p".repeat(6_000)).exchange()
                .expectStatus().isEqualTo(431);
        // and a request just under it passes
        getWithToken("/api/users/me", token).header("X-Padding", "p".repeat(12_000)).exchange().expectStatus().isOk();

        upstream.verify(1, anyRequestedFor(urlPathMatching("/users.*")));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/actuator/health", "/actuator/health/readiness", "/actuator/prometheus", "/actuator/info",
            "/actuator/gateway/routes", "/actuator"})
    void managementIsNotReachableOnThePublicPort(String path) {
        client.get().uri(path).exchange()
                .expectStatus().isNotFound()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON);
    }

    @Test
    void theManagementPortServesHealthAndPrometheusButNotTheGatewayEndpoint() {
        management().get().uri("/actuator/health").exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.status").isEqualTo("UP");
        management().get().uri("/actuator/prometheus").exchange().expectStatus().isOk()
                .expectBody(String.class).value(body -> assertThat(body).contains("portcullis_gateway_requests"));
        management().get().uri("/actuator/gateway/routes").exchange().expectStatus().isNotFound();
        management().get().uri("/actuator/gateway/globalfilters").exchange().expectStatus().isNotFound();
    }

    @Test
    void reportsReadyOnceTheKeySetIsLoaded() {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                management().get().uri("/actuator/health/readiness").exchange()
                        .expectStatus().isOk()
                        .expectBody().jsonPath("$.status").isEqualTo("UP"));
        management().get().uri("/actuator/health/liveness").exchange().expectStatus().isOk();
    }
}
