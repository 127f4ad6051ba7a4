package dev.portcullis.orders;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.portcullis.contract.IdentityHeaders;
import dev.portcullis.testsupport.BlockHoundCheck;
import dev.portcullis.testsupport.GatewayIdentity;
import dev.portcullis.testsupport.TestClients;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The whole service-token path with BlockHound installed: token fetch from the auth service, product lookups with
 * the bearer token, validation and pricing, all on event-loop threads where a blocking call fails the request.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {GatewayIdentity.PROPERTY, "portcullis.service-token.refresh-before-expiry=31s"})
class OrderServiceBlockHoundTest {

    static final WireMockServer AUTH = Peers.start();
    static final WireMockServer PRODUCTS = Peers.start();

    @DynamicPropertySource
    static void peers(DynamicPropertyRegistry registry) {
        Peers.register(registry, AUTH, PRODUCTS);
    }

    @BeforeAll
    static void installBlockHound() {
        BlockHoundCheck.install();
        Peers.issuesToken(AUTH, "svc-token-1", 300);
        Peers.hasProduct(PRODUCTS, "p-1", "Portcullis mug", "12.50");
        Peers.lacksProduct(PRODUCTS, "p-404");
    }

    @AfterAll
    static void stopPeers() {
        AUTH.stop();
        PRODUCTS.stop();
    }

    @LocalServerPort
    int port;

    @Test
    void blockHoundIsWatchingNonBlockingThreads() {
        BlockHoundCheck.assertCatchesABlockingCall();
    }

    @Test
    void placesOrdersThroughTheServiceTokenPathWithoutBlocking() {
        BlockHoundCheck.clear();
        WebTestClient client = TestClients.signedByTheGateway(port)
                .defaultHeader(IdentityHeaders.USER_ID, "alice")
                .defaultHeader(IdentityHeaders.USER_PERMISSIONS, "orders:write")
                .build();

        for (int i = 0; i < 3; i++) {
            client.post().uri("/orders").contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("{\"items\":[{\"productId\":\"p-1\",\"quantity\":3}]}")
                    .exchange()
                    .expectStatus().isCreated();
        }
        client.post().uri("/orders").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"items\":[{\"productId\":\"p-404\",\"quantity\":1}]}")
                .exchange()
                .expectStatus().isEqualTo(422);
        client.post().uri("/orders").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"items\":[{\"productId\":\"p-1\",\"quantity\":0}]}")
                .exchange()
                .expectStatus().isBadRequest();

        AUTH.verify(1, postRequestedFor(urlEqualTo(Peers.TOKEN_PATH)));
        assertThat(BlockHoundCheck.detected()).as("blocking calls on non-blocking threads").isEmpty();
    }
}
