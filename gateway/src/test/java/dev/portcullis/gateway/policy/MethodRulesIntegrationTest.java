package dev.portcullis.gateway.policy;

import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.portcullis.gateway.support.GatewayIntegrationTest;
import dev.portcullis.gateway.support.RawHttp;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;

/**
 * Per-method rules cannot be dodged with a method nobody wrote a rule for: {@code TRACE} and {@code CONNECT} are never
 * served, methods are case-sensitive ({@code get} is not {@code GET}), and a route's {@code access} rules refuse the
 * methods they do not name unless the route says {@code unlisted-methods: route-rule}.
 */
class MethodRulesIntegrationTest extends GatewayIntegrationTest {

    private static final String ANY_SERVICE = "/(users|products|orders|auth|oauth2|it)(/.*)?";

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"TRACE", "CONNECT"})
    void traceAndConnectAreRefusedWith405OnEveryRoute(String method) {
        String token = tokens.forUser("u-1").permissions("users:read").sign();

        for (String path : List.of("/api/users/me", "/auth/login", "/nowhere")) {
            RawHttp.Response answer = RawHttp.send(port, method, path, "Authorization: Bearer " + token);

            assertThat(answer.status()).isEqualTo(405);
            assertThat(answer.header(HttpHeaders.CONTENT_TYPE)).startsWith(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
            assertThat(answer.body()).contains("\"status\":405").contains("urn:portcullis:problem:method-not-allowed");
            assertThat(answer.header(HttpHeaders.ALLOW)).startsWith("GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS")
                    .doesNotContain("TRACE").doesNotContain("CONNECT");
        }
        upstream.verify(0, anyRequestedFor(urlPathMatching(ANY_SERVICE)));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"get", "Get", "post", "PROPPATCH", "BREW"})
    void aMethodNoRouteListsIsRefusedWith501AsCaseMatters(String method) {
        String token = tokens.forUser("u-1").permissions("users:read", "orders:read", "products:read").sign();

        RawHttp.Response answer = RawHttp.send(port, method, "/api/users/me", "Authorization: Bearer " + token);

        assertThat(answer.status()).isEqualTo(501);
        assertThat(answer.body()).contains("\"status\":501").contains("urn:portcullis:problem:not-implemented");
        upstream.verify(0, anyRequestedFor(urlPathMatching(ANY_SERVICE)));
    }

    @Test
    void aMethodTheRouteRulesDoNotNameIsRefusedWith405ListingTheNamedOnes() {
        // OPTIONS is a standard method and PROPFIND one that a route lists, so both pass the gateway-wide check; the
        // products route's rules name neither
        String token = tokens.forUser("u-1").permissions("products:read", "products:write").sign();

        for (String method : List.of("OPTIONS", "PROPFIND")) {
            RawHttp.Response answer = RawHttp.send(port, method, "/api/products/p-1", "Authorization: Bearer " + token);

            assertThat(answer.status()).as(method).isEqualTo(405);
            assertThat(answer.header(HttpHeaders.ALLOW)).isEqualTo("GET, HEAD, POST, PUT, PATCH, DELETE");
            assertThat(answer.body()).contains("\"status\":405");
        }
        // without a token too: the route's methods are configuration, and no token check is paid for
        client.options().uri("/api/products/p-1").exchange()
                .expectStatus().isEqualTo(405)
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectHeader().valueEquals(HttpHeaders.ALLOW, "GET, HEAD, POST, PUT, PATCH, DELETE");

        upstream.verify(0, anyRequestedFor(urlPathMatching(ANY_SERVICE)));
    }

    @Test
    void anExtensionMethodARouteListsIsServedUnderItsRule() {
        String reader = tokens.forUser("u-1").permissions("files:read").sign();
        String nobody = tokens.forUser("u-2").sign();

        assertThat(RawHttp.send(port, "PROPFIND", "/it/webdav/a", "Authorization: Bearer " + nobody).status()).isEqualTo(403);
        assertThat(RawHttp.send(port, "PROPFIND", "/it/webdav/a", "Authorization: Bearer " + reader).status()).isEqualTo(200);
        RawHttp.Response delete = RawHttp.send(port, "DELETE", "/it/webdav/a", "Authorization: Bearer " + reader);
        assertThat(delete.status()).isEqualTo(405);
        assertThat(delete.header(HttpHeaders.ALLOW)).isEqualTo("PROPFIND, GET");

        List<LoggedRequest> received = upstream.findAll(anyRequestedFor(urlPathMatching("/it/webdav/.*")));
        assertThat(received).hasSize(1);
        assertThat(received.getFirst().getMethod().getName()).isEqualTo("PROPFIND");
    }

    @Test
    void aRouteThatSaysSoLetsUnnamedMethodsFallBackToItsRouteRule() {
        String writer = tokens.forUser("u-1").permissions("files:write").sign();
        String nobody = tokens.forUser("u-2").sign();

        client.get().uri("/it/methods-fallback/a").exchange().expectStatus().isOk();
        client.delete().uri("/it/methods-fallback/a").exchange().expectStatus().isUnauthorized();
        client.delete().uri("/it/methods-fallback/a").header("Authorization", "Bearer " + nobody).exchange()
                .expectStatus().isForbidden();
        client.delete().uri("/it/methods-fallback/a").header("Authorization", "Bearer " + writer).exchange()
                .expectStatus().isOk();

        assertThat(upstream.findAll(anyRequestedFor(urlPathMatching("/it/methods-fallback/.*")))).hasSize(2);
    }
}
