package dev.portcullis.orders;

import dev.portcullis.testsupport.GatewayIdentity;
import dev.portcullis.testsupport.MutableClock;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.Fault;
import dev.portcullis.contract.IdentityHeaders;
import dev.portcullis.contract.ProblemTypes;
import dev.portcullis.testsupport.TestClients;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = GatewayIdentity.PROPERTY)
class OrderServiceTest {

    static final WireMockServer AUTH = Peers.start();
    static final WireMockServer PRODUCTS = Peers.start();
    static final String ONE_MUG = "{\"items\":[{\"productId\":\"p-1\",\"quantity\":1}]}";

    @DynamicPropertySource
    static void peers(DynamicPropertyRegistry registry) {
        Peers.register(registry, AUTH, PRODUCTS);
    }

    @TestConfiguration
    static class Clocks {
        @Bean
        @Primary
        MutableClock testClock() {
            return MutableClock.startingNow();
        }
    }

    @AfterAll
    static void stopPeers() {
        AUTH.stop();
        PRODUCTS.stop();
    }

    @LocalServerPort
    int port;

    @Autowired
    MutableClock clock;

    WebTestClient client;

    @BeforeEach
    void freshPeersAndNoUsableToken() {
        AUTH.resetAll();
        PRODUCTS.resetAll();
        clock.advance(Duration.ofDays(1));
        client = TestClients.localhost(port)
                .filter(GatewayIdentity.GATEWAY.signing(clock)) // the gateway signs on the service's (moved) clock
                .build();
        Peers.issuesToken(AUTH, "svc-token-1", 300);
        Peers.hasProduct(PRODUCTS, "p-1", "Portcullis mug", "12.50");
        Peers.hasProduct(PRODUCTS, "p-2", "Drawbridge notebook", "8.90");
    }

    @Test
    void placesAnOrderPricedByProductServiceWithAServiceToken() {
        as("alice", "orders:write").post().uri("/orders")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"items\":[{\"productId\":\"p-1\",\"quantity\":2},{\"productId\":\"p-2\",\"quantity\":1}]}")
                .exchange()
                .expectStatus().isCreated()
                .expectHeader().value(HttpHeaders.LOCATION, containsString("/orders/o-"))
                .expectBody()
                .jsonPath("$.ownerId").isEqualTo("alice")
                .jsonPath("$.status").isEqualTo("PLACED")
                .jsonPath("$.items[0].name").isEqualTo("Portcullis mug")
                .jsonPath("$.items[0].lineTotal").isEqualTo(25.0)
                .jsonPath("$.items[1].unitPrice").isEqualTo(8.9)
                .jsonPath("$.total").isEqualTo(33.9);

        String basic = Base64.getEncoder().encodeToString(
                ("order-service:" + Peers.CLIENT_SECRET).getBytes(StandardCharsets.UTF_8));
        AUTH.verify(1, postRequestedFor(urlEqualTo(Peers.TOKEN_PATH))
                .withHeader(HttpHeaders.AUTHORIZATION, equalTo("Basic " + basic))
                .withHeader(HttpHeaders.CONTENT_TYPE, containing("application/x-www-form-urlencoded"))
                .withFormParam("grant_type", equalTo("client_credentials"))
                .withFormParam("audience", equalTo("product-service"))
                .withFormParam("scope", equalTo("products:read")));
        PRODUCTS.verify(1, getRequestedFor(urlEqualTo("/products/p-1"))
                .withHeader(HttpHeaders.AUTHORIZATION, equalTo("Bearer svc-token-1")));
        PRODUCTS.verify(1, getRequestedFor(urlEqualTo("/products/p-2"))
                .withHeader(HttpHeaders.AUTHORIZATION, equalTo("Bearer svc-token-1"))
                .withoutHeader(IdentityHeaders.USER_ID));
    }

    @Test
    void reusesOneServiceTokenForSeveralOrders() {
        for (int i = 0; i < 3; i++) {
            placeOneMug("alice").expectStatus().isCreated();
            clock.advance(Duration.ofSeconds(60));
        }

        AUTH.verify(1, postRequestedFor(urlEqualTo(Peers.TOKEN_PATH)));
        PRODUCTS.verify(3, getRequestedFor(urlEqualTo("/products/p-1"))
                .withHeader(HttpHeaders.AUTHORIZATION, equalTo("Bearer svc-token-1")));
    }

    @Test
    void fetchesANewServiceTokenShortlyBeforeTheOldOneExpires() {
        AUTH.resetAll();
        AUTH.stubFor(post(urlEqualTo(Peers.TOKEN_PATH)).inScenario("expiry").whenScenarioStateIs(STARTED)
                .willReturn(okJson(Peers.tokenJson("svc-token-1", 300))).willSetStateTo("second"));
        AUTH.stubFor(post(urlEqualTo(Peers.TOKEN_PATH)).inScenario("expiry").whenScenarioStateIs("second")
                .willReturn(okJson(Peers.tokenJson("svc-token-2", 300))));

        placeOneMug("alice").expectStatus().isCreated();
        clock.advance(Duration.ofSeconds(300 - 30 - 1));
        placeOneMug("alice").expectStatus().isCreated();
        AUTH.verify(1, postRequestedFor(urlEqualTo(Peers.TOKEN_PATH)));

        clock.advance(Duration.ofSeconds(1));
        placeOneMug("alice").expectStatus().isCreated();

        AUTH.verify(2, postRequestedFor(urlEqualTo(Peers.TOKEN_PATH)));
        PRODUCTS.verify(2, getRequestedFor(urlEqualTo("/products/p-1"))
                .withHeader(HttpHeaders.AUTHORIZATION, equalTo("Bearer svc-token-1")));
        PRODUCTS.verify(1, getRequestedFor(urlEqualTo("/products/p-1"))
                .withHeader(HttpHeaders.AUTHORIZATION, equalTo("Bearer svc-token-2")));
    }

    @Test
    void concurrentOrdersShareOneTokenFetch() {
        AUTH.resetAll();
        AUTH.stubFor(post(urlEqualTo(Peers.TOKEN_PATH))
                .willReturn(okJson(Peers.tokenJson("svc-token-1", 300)).withFixedDelay(300)));
        WebClient http = WebClient.builder().baseUrl("http://localhost:" + port)
                .filter(GatewayIdentity.GATEWAY.signing(clock)).build();

        List<Integer> statuses = Flux.range(0, 6)
                .flatMap(i -> http.post().uri("/orders")
                        .header(IdentityHeaders.USER_ID, "alice")
                        .header(IdentityHeaders.USER_PERMISSIONS, "orders:write")
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(ONE_MUG)
                        .exchangeToMono(response -> response.releaseBody().thenReturn(response.statusCode().value())))
                .collectList()
                .block(Duration.ofSeconds(10));

        assertThat(statuses).hasSize(6).containsOnly(201);
        AUTH.verify(1, postRequestedFor(urlEqualTo(Peers.TOKEN_PATH)));
    }

    @Test
    void retriesOnceWithAFreshTokenWhenProductServiceRefusesTheCachedOne() {
        AUTH.resetAll();
        AUTH.stubFor(post(urlEqualTo(Peers.TOKEN_PATH)).inScenario("rotation").whenScenarioStateIs(STARTED)
                .willReturn(okJson(Peers.tokenJson("svc-token-old", 300))).willSetStateTo("rotated"));
        AUTH.stubFor(post(urlEqualTo(Peers.TOKEN_PATH)).inScenario("rotation").whenScenarioStateIs("rotated")
                .willReturn(okJson(Peers.tokenJson("svc-token-new", 300))));
        PRODUCTS.stubFor(get(urlEqualTo("/products/p-1"))
                .withHeader(HttpHeaders.AUTHORIZATION, equalTo("Bearer svc-token-old"))
                .willReturn(aResponse().withStatus(401)));

        placeOneMug("alice").expectStatus().isCreated();

        AUTH.verify(2, postRequestedFor(urlEqualTo(Peers.TOKEN_PATH)));
        PRODUCTS.verify(1, getRequestedFor(urlEqualTo("/products/p-1"))
                .withHeader(HttpHeaders.AUTHORIZATION, equalTo("Bearer svc-token-new")));
    }

    @Test
    void answers422ProblemForAnUnknownProduct() {
        Peers.lacksProduct(PRODUCTS, "p-404");

        as("alice", "orders:write").post().uri("/orders")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"items\":[{\"productId\":\"p-1\",\"quantity\":1},{\"productId\":\"p-404\",\"quantity\":1}]}")
                .exchange()
                .expectStatus().isEqualTo(422)
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.type").isEqualTo("urn:portcullis:problem:unknown-reference")
                .jsonPath("$.detail").value(containsString("p-404"));

        as("alice").get().uri("/orders").exchange().expectBody().jsonPath("$.length()").isEqualTo(
                countOrders("alice"));
    }

    @Test
    void answers503ProblemWithRetryAfterWhenProductServiceIsDown() {
        PRODUCTS.stubFor(get(urlPathMatching("/products/.*"))
                .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));

        expectServiceUnavailable();
    }

    @Test
    void answers503ProblemWhenProductServiceFails() {
        PRODUCTS.stubFor(get(urlPathMatching("/products/.*")).willReturn(aResponse().withStatus(500)));

        expectServiceUnavailable();
    }

    @Test
    void answers503ProblemWhenProductServiceIsTooSlow() {
        PRODUCTS.stubFor(get(urlPathMatching("/products/.*"))
                .willReturn(okJson("{}").withFixedDelay(2_000)));

        expectServiceUnavailable();
    }

    @Test
    void answers503ProblemWhenTheAuthServiceRefusesTheClientCredentials() {
        AUTH.resetAll();
        AUTH.stubFor(post(urlEqualTo(Peers.TOKEN_PATH)).willReturn(aResponse().withStatus(401)
                .withHeader("Content-Type", "application/problem+json").withBody("{\"status\":401}")));

        expectServiceUnavailable();
        PRODUCTS.verify(0, getRequestedFor(urlPathMatching("/products/.*")));
    }

    @Test
    void refusesToPlaceAnOrderWithoutOrdersWritePermissionBeforeCallingAnyPeer() {
        as("alice", "orders:read").post().uri("/orders")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(ONE_MUG)
                .exchange()
                .expectStatus().isForbidden()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.type").isEqualTo(ProblemTypes.INSUFFICIENT_SCOPE.toString())
                .jsonPath("$.detail").value(containsString("orders:write"));

        AUTH.verify(0, postRequestedFor(urlEqualTo(Peers.TOKEN_PATH)));
        PRODUCTS.verify(0, getRequestedFor(urlPathMatching("/products/.*")));
    }

    static Stream<String> invalidOrders() {
        return Stream.of(
                "{\"items\":[]}",
                "{}",
                "{\"items\":[{\"productId\":\"p-1\",\"quantity\":0}]}",
                "{\"items\":[{\"productId\":\"p-1\",\"quantity\":101}]}",
                "{\"items\":[{\"productId\":\"p-1\"}]}",
                "{\"items\":[{\"quantity\":1}]}",
                "{\"items\":[{\"productId\":\"../admin\",\"quantity\":1}]}",
                "{\"items\":[null]}");
    }

    @ParameterizedTest
    @MethodSource("invalidOrders")
    void rejectsAnInvalidOrderWith400ProblemWithoutCallingAnyPeer(String body) {
        as("alice", "orders:write").post().uri("/orders")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange()
                .expectStatus().isBadRequest()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.type").isEqualTo(ProblemTypes.INVALID_REQUEST.toString())
                .jsonPath("$.errors[0].field").value(containsString("items"));

        AUTH.verify(0, postRequestedFor(urlEqualTo(Peers.TOKEN_PATH)));
    }

    @Test
    void rejectsMalformedJsonWith400Problem() {
        as("alice", "orders:write").post().uri("/orders")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"items\":[{")
                .exchange()
                .expectStatus().isBadRequest()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON);
    }

    @Test
    void showsUsersOnlyTheirOwnOrders() {
        String bobsOrder = placeOneMug("bob").expectStatus().isCreated()
                .expectBody().returnResult().getResponseHeaders().getLocation().toString();
        placeOneMug("carol").expectStatus().isCreated();

        as("bob").get().uri("/orders").exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.length()").isEqualTo(1)
                .jsonPath("$[0].ownerId").isEqualTo("bob");
        as("bob").get().uri(bobsOrder).exchange().expectStatus().isOk();
        as("carol").get().uri(bobsOrder).exchange()
                .expectStatus().isNotFound()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON);
    }

    @Test
    void letsOnlyTheOwnerCancelAnOrder() {
        String order = placeOneMug("dave").expectStatus().isCreated()
                .expectBody().returnResult().getResponseHeaders().getLocation().toString();

        as("mallory").post().uri(order + "/cancel").exchange()
                .expectStatus().isNotFound()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON);
        as("dave").get().uri(order).exchange().expectBody().jsonPath("$.status").isEqualTo("PLACED");

        as("dave").post().uri(order + "/cancel").exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.status").isEqualTo("CANCELLED");
        as("dave").get().uri(order).exchange().expectBody().jsonPath("$.status").isEqualTo("CANCELLED");
    }

    @Test
    void answers401ProblemWithoutTheGatewayIdentityHeaders() {
        client.get().uri("/orders").exchange()
                .expectStatus().isUnauthorized()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectHeader().valueEquals(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        client.post().uri("/orders").contentType(MediaType.APPLICATION_JSON).bodyValue(ONE_MUG).exchange()
                .expectStatus().isUnauthorized();
        AUTH.verify(0, postRequestedFor(urlEqualTo(Peers.TOKEN_PATH)));
    }

    @Test
    void refusesIdentityHeadersTheGatewayDidNotSignWithThisServicesKey() {
        WebTestClient unsigned = TestClients.localhost(port).build();
        unsigned.post().uri("/orders")
                .header(IdentityHeaders.USER_ID, "alice")
                .header(IdentityHeaders.USER_PERMISSIONS, "orders:write")
                .contentType(MediaType.APPLICATION_JSON).bodyValue(ONE_MUG)
                .exchange()
                .expectStatus().isUnauthorized()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON);
        client.get().uri("/orders")
                .headers(headers -> {
                    headers.set(IdentityHeaders.USER_ID, "alice");
                    GatewayIdentity.IMPOSTOR.sign("GET", java.net.URI.create("http://localhost:" + port + "/orders"),
                            java.time.Instant.now(), headers::getFirst, headers::set);
                })
                .exchange()
                .expectStatus().isUnauthorized();
        AUTH.verify(0, postRequestedFor(urlEqualTo(Peers.TOKEN_PATH)));
    }

    private void expectServiceUnavailable() {
        placeOneMug("alice")
                .expectStatus().isEqualTo(503)
                .expectHeader().valueEquals(HttpHeaders.RETRY_AFTER, "5")
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.type").isEqualTo(ProblemTypes.SERVICE_UNAVAILABLE.toString())
                .jsonPath("$.detail").value(detail -> assertThat(detail.toString())
                        .doesNotContain(Peers.CLIENT_SECRET).doesNotContain("svc-token"));
    }

    private int countOrders(String user) {
        return as(user).get().uri("/orders").exchange().expectBody(List.class).returnResult().getResponseBody().size();
    }

    private WebTestClient.ResponseSpec placeOneMug(String user) {
        return as(user, "orders:write").post().uri("/orders")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(ONE_MUG)
                .exchange();
    }

    private WebTestClient as(String user, String... permissions) {
        return client.mutate()
                .defaultHeader(IdentityHeaders.USER_ID, user)
                .defaultHeader(IdentityHeaders.USER_ROLE, "user")
                .defaultHeader(IdentityHeaders.USER_PERMISSIONS, String.join(",", permissions))
                .build();
    }

    private static com.github.tomakehurst.wiremock.matching.StringValuePattern containing(String text) {
        return com.github.tomakehurst.wiremock.client.WireMock.containing(text);
    }
}
