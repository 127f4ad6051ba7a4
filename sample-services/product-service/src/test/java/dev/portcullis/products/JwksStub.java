package dev.portcullis.products;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.portcullis.testsupport.TestKeys;
import org.springframework.test.context.DynamicPropertyRegistry;

/** A WireMock stand-in for the auth service's JWKS endpoint, publishing {@link TestKeys#RSA}. */
final class JwksStub {

    static final String PATH = "/.well-known/jwks.json";
    static final String ISSUER = "http://issuer.test";

    private JwksStub() {
    }

    static WireMockServer start() {
        WireMockServer server = new WireMockServer(options().dynamicPort());
        server.start();
        server.stubFor(get(urlEqualTo(PATH)).willReturn(aResponse()
                .withHeader("Content-Type", "application/json")
                .withBody(TestKeys.jwksJson(TestKeys.RSA))));
        return server;
    }

    static void register(DynamicPropertyRegistry registry, WireMockServer server) {
        registry.add("portcullis.service-tokens.jwks-uri", () -> server.baseUrl() + PATH);
        registry.add("portcullis.service-tokens.issuer", () -> ISSUER);
    }
}
