package dev.portcullis.orders;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import org.springframework.test.context.DynamicPropertyRegistry;

/** WireMock stand-ins for the order-service's two peers: the auth service's token endpoint and product-service. */
final class Peers {

    static final String TOKEN_PATH = "/oauth2/token";
    static final String CLIENT_SECRET = "test-secret-do-not-log";

    private Peers() {
    }

    static WireMockServer start() {
        WireMockServer server = new WireMockServer(options().dynamicPort());
        server.start();
        return server;
    }

    static void register(DynamicPropertyRegistry registry, WireMockServer auth, WireMockServer products) {
        registry.add("portcullis.service-token.auth-service-url", auth::baseUrl);
        registry.add("portcullis.service-token.client-secret", () -> CLIENT_SECRET);
        registry.add("portcullis.product-service.url", products::baseUrl);
        registry.add("portcullis.product-service.response-timeout", () -> "500ms");
        registry.add("portcullis.product-service.connect-timeout", () -> "500ms");
    }

    static void issuesToken(WireMockServer auth, String token, long expiresInSeconds) {
        auth.stubFor(post(urlEqualTo(TOKEN_PATH)).willReturn(okJson(tokenJson(token, expiresInSeconds))));
    }

    static String tokenJson(String token, long expiresInSeconds) {
        return "{\"access_token\":\"" + token + "\",\"token_type\":\"Bearer\",\"expires_in\":" + expiresInSeconds
                + ",\"scope\":\"products:read\"}";
    }

    static void hasProduct(WireMockServer products, String id, String name, String price) {
        products.stubFor(get(urlEqualTo("/products/" + id)).willReturn(okJson(
                "{\"id\":\"" + id + "\",\"name\":\"" + name + "\",\"description\":\"\",\"price\":" + price
                        + ",\"currency\":\"EUR\"}")));
    }

    static void lacksProduct(WireMockServer products, String id) {
        products.stubFor(get(urlEqualTo("/products/" + id)).willReturn(aResponse().withStatus(404)
                .withHeader("Content-Type", "application/problem+json")
                .withBody("{\"status\":404,\"title\":\"Not Found\"}")));
    }
}
