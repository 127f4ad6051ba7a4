package dev.portcullis.products;

import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.portcullis.testsupport.BlockHoundCheck;
import dev.portcullis.testsupport.GatewayIdentity;
import dev.portcullis.testsupport.TestClients;
import dev.portcullis.testsupport.TestKeys;
import dev.portcullis.testsupport.TokenFactory;
import java.time.Clock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The service-token path with BlockHound installed: the first request forces nimbus to fetch the JWKS over HTTP (a
 * blocking call). If that ran on the event loop, BlockHound would fail the request with a 500. Its own context (own
 * properties) so that the key cache starts cold. The fetch timeout is generous: on a loaded build machine the first
 * fetch (with BlockHound's instrumentation warming up) can outlast the default 2 s, and nimbus' retry would then
 * count as a second fetch, which is not what this test is about.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {GatewayIdentity.PROPERTY, "portcullis.service-tokens.jwks-cache-ttl=4m",
                "portcullis.service-tokens.jwks-timeout=20s"})
class ServiceTokenBlockHoundTest {

    static final WireMockServer AUTH = JwksStub.start();

    @DynamicPropertySource
    static void authService(DynamicPropertyRegistry registry) {
        JwksStub.register(registry, AUTH);
    }

    @BeforeAll
    static void installBlockHound() {
        BlockHoundCheck.install();
    }

    @AfterAll
    static void stopAuth() {
        AUTH.stop();
    }

    @LocalServerPort
    int port;

    @Test
    void blockHoundIsWatchingNonBlockingThreads() {
        BlockHoundCheck.assertCatchesABlockingCall();
    }

    @Test
    void verifiesServiceTokensWithoutBlockingTheEventLoopAndFetchesTheKeysOnce() {
        BlockHoundCheck.clear();
        WebTestClient client = TestClients.signedByTheGateway(port).build();
        TokenFactory tokens = new TokenFactory(TestKeys.RSA, JwksStub.ISSUER, "product-service", Clock.systemUTC());

        for (int i = 0; i < 4; i++) {
            client.get().uri("/products/p-1")
                    .header(HttpHeaders.AUTHORIZATION, "Bearer "
                            + tokens.forUser("order-service").audience("product-service").scope("products:read").sign())
                    .exchange()
                    .expectStatus().isOk();
        }

        AUTH.verify(1, getRequestedFor(urlEqualTo(JwksStub.PATH)));
        assertThat(BlockHoundCheck.detected()).as("blocking calls on non-blocking threads").isEmpty();
    }
}
