package dev.portcullis.gateway.app;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.portcullis.gateway.support.GatewayIntegrationTest;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;

/**
 * The shipped {@code app} routes (application.yml): the demo app's static files, public, from the user-service, with
 * a strict Content-Security-Policy and the other security headers added by the gateway, whatever the upstream says.
 */
class DemoAppRouteIntegrationTest extends GatewayIntegrationTest {

    @BeforeEach
    void stubThePage() {
        upstream.stubFor(get(urlPathEqualTo("/app/index.html")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "text/html").withBody("<!DOCTYPE html><title>demo</title>")));
        upstream.stubFor(get(urlPathEqualTo("/app/app.js")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "text/javascript").withBody("export {};")));
    }

    @Test
    void servesTheIndexPagePubliclyWithAStrictContentSecurityPolicyAndNoIdentity() {
        HttpHeaders headers = client.get().uri("/app/").header("x-user-id", "spoofed")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + tokens.forUser("u-alice").sign()).exchange()
                .expectStatus().isOk()
                .expectBody(String.class).isEqualTo("<!DOCTYPE html><title>demo</title>")
                .returnResult().getResponseHeaders();

        assertThat(headers.getFirst("Content-Security-Policy")).contains("default-src 'self'", "script-src 'self'",
                "style-src 'self'", "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'",
                "require-trusted-types-for 'script'").doesNotContain("unsafe-inline", "unsafe-eval");
        assertThat(headers.getFirst("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(headers.getFirst("Referrer-Policy")).isEqualTo("no-referrer");
        assertThat(headers.getFirst("Cross-Origin-Opener-Policy")).isEqualTo("same-origin");
        assertThat(headers.getFirst("Permissions-Policy")).contains("camera=()");

        List<LoggedRequest> received = upstream.findAll(getRequestedFor(urlPathEqualTo("/app/index.html")));
        assertThat(received).hasSize(1);
        // a public route: no identity for the service, not even the one a client made up
        assertThat(received.getFirst().getHeaders().keys()).noneMatch(name -> name.toLowerCase().startsWith("x-user-"));
    }

    @Test
    void givesThePageScriptsTheSamePolicy() {
        client.get().uri("/app/app.js").exchange().expectStatus().isOk()
                .expectHeader().value("Content-Security-Policy", csp -> assertThat(csp).contains("frame-ancestors 'none'"));
        assertThat(upstream.findAll(getRequestedFor(urlPathEqualTo("/app/app.js")))).hasSize(1);
    }

    @Test
    void redirectsTheBarePathToTheDirectorySoThatRelativeUrlsResolve() {
        client.get().uri("/app").exchange().expectStatus().isEqualTo(308).expectHeader().valueEquals("Location", "/app/");
        assertThat(upstream.findAll(anyRequestedFor(anyUrl())).stream().filter(r -> r.getUrl().startsWith("/app"))).isEmpty();
    }

    @Test
    void refusesWritesToTheStaticFiles() {
        client.post().uri("/app/index.html").exchange().expectStatus().is4xxClientError()
                .expectHeader().contentTypeCompatibleWith("application/problem+json");
        assertThat(upstream.findAll(anyRequestedFor(anyUrl())).stream().filter(r -> r.getUrl().startsWith("/app"))).isEmpty();
    }
}
