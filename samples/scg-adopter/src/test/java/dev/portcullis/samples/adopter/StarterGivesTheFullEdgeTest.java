package dev.portcullis.samples.adopter;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import com.nimbusds.jose.jwk.RSAKey;
import dev.portcullis.contract.IdentityHeaders;
import dev.portcullis.contract.IdentitySignature;
import dev.portcullis.contract.RevocationMessage;
import dev.portcullis.testsupport.GatewayIdentity;
import dev.portcullis.testsupport.MutableClock;
import dev.portcullis.testsupport.TestClients;
import dev.portcullis.testsupport.TestKeys;
import dev.portcullis.testsupport.TestRedis;
import dev.portcullis.testsupport.TestRevocations;
import dev.portcullis.testsupport.TokenFactory;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpMethod;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The starter alone gives an existing Spring Cloud Gateway application the whole edge: deny by default, tokens of its
 * own identity provider verified against that provider's JWKS only, policies from YAML and Java-DSL route metadata,
 * identity headers set (and signed) from the token with the client's own stripped, revocation through Redis, rate
 * limits, the request-line screen, problem+json for every refusal and readiness on the key set — with no line of
 * Portcullis copied into the application and no Portcullis auth service anywhere.
 */
@SpringBootTest(classes = AdopterGatewayApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class StarterGivesTheFullEdgeTest {

    static final String ISSUER = "https://idp.acme.test";
    static final RSAKey IDP_KEY = TestKeys.rsa("acme-idp-2026");
    static final WireMockServer peers = start();
    static final MutableClock clock = MutableClock.startingNow();
    static final TokenFactory idp = new TokenFactory(IDP_KEY, ISSUER, "acme-gateway", clock);
    static final String ORDERS_KEY = GatewayIdentity.key("acme-orders");

    @LocalServerPort
    int port;

    @LocalManagementPort
    int managementPort;

    WebTestClient client;

    private static WireMockServer start() {
        WireMockServer server = new WireMockServer(wireMockConfig().dynamicPort());
        server.start();
        server.stubFor(get(urlPathEqualTo("/idp/jwks")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(TestKeys.jwksJson(IDP_KEY))));
        return server;
    }

    @DynamicPropertySource
    static void environment(DynamicPropertyRegistry registry) {
        registry.add("ACME_ISSUER", () -> ISSUER);
        registry.add("ACME_JWKS_URI", () -> peers.baseUrl() + "/idp/jwks");
        registry.add("CATALOG_URL", peers::baseUrl);
        registry.add("ORDERS_URL", peers::baseUrl);
        registry.add("INVENTORY_URL", peers::baseUrl);
        registry.add("ORDERS_IDENTITY_KEY", () -> ORDERS_KEY);
        registry.add("REDIS_URL", TestRedis::url);
        registry.add("management.server.port", () -> "0");
        registry.add("portcullis.rate-limit.timeout", () -> "2s");
    }

    @AfterAll
    static void stopPeers() {
        peers.stop();
    }

    @BeforeEach
    void setUp() {
        peers.resetRequests();
        peers.stubFor(any(urlPathMatching("/(catalog|orders|inventory)(/.*)?")).willReturn(okJson("{\"ok\":true}")));
        TestRedis.flushAll();
        client = TestClients.localhost(port).build();
        await().atMost(Duration.ofSeconds(20)).until(() -> TestClients.localhost(managementPort).build()
                .get().uri("/actuator/health/readiness").exchange().returnResult(String.class).getStatus().is2xxSuccessful());
    }

    private static TokenFactory.Token buyer(String subject) {
        return idp.forUser(subject).type("JWT").without("role").claim("groups", List.of("buyer")).scope("inventory:read");
    }

    @Test
    void aRouteWithoutATokenIsRefusedWithAProblemAndNeverReachesTheUpstream() {
        client.get().uri("/orders/o-1").exchange()
                .expectStatus().isUnauthorized()
                .expectHeader().contentType("application/problem+json")
                .expectHeader().valueEquals("WWW-Authenticate", "Bearer realm=\"portcullis\"")
                .expectBody().jsonPath("$.status").isEqualTo(401).jsonPath("$.request_id").isNotEmpty();

        assertThat(peers.findAll(anyRequestedFor(urlPathMatching("/orders/.*")))).isEmpty();
    }

    @Test
    void theIdentityProvidersTokenIsVerifiedMappedAndForwardedSignedWithTheClientsOwnHeadersStripped() {
        client.get().uri("/orders/o-1")
                .header("Authorization", "Bearer " + buyer("acme-ann").sign())
                .header("x-user-id", "admin").header("X-User-Role", "admin")
                .exchange().expectStatus().isOk();

        LoggedRequest received = peers.findAll(getRequestedFor(urlPathEqualTo("/orders/o-1"))).getLast();
        assertThat(received.getHeader(IdentityHeaders.USER_ID)).isEqualTo("acme-ann");
        assertThat(received.getHeader(IdentityHeaders.USER_ROLE)).isEqualTo("buyer");
        assertThat(received.getHeader(IdentityHeaders.USER_PERMISSIONS)).isEqualTo("inventory:read");
        assertThat(received.getHeader(IdentityHeaders.USER_ISSUER)).isEqualTo("acme-idp");
        assertThat(received.getHeader(IdentityHeaders.REQUEST_ID)).isNotBlank();
        GatewayIdentity orders = new GatewayIdentity(ORDERS_KEY);
        assertThat(orders.verifies(received.getHeader(IdentitySignature.SIGNATURE), received.getHeader(IdentitySignature.TIMESTAMP),
                "GET", received.getUrl(), name -> received.containsHeader(name) ? received.getHeader(name) : null)).isTrue();
    }

    @Test
    void aJavaDslRoutesPolicyComesFromItsMetadata() {
        client.get().uri("/inventory/sku-1").header("Authorization", "Bearer " + buyer("acme-bo").sign())
                .exchange().expectStatus().isOk();
        client.get().uri("/inventory/sku-2")
                .header("Authorization", "Bearer " + buyer("acme-bo").scope("catalog:read").sign())
                .exchange().expectStatus().isForbidden()
                .expectHeader().valueMatches("WWW-Authenticate", ".*error=\"insufficient_scope\".*");

        assertThat(peers.findAll(getRequestedFor(urlPathEqualTo("/inventory/sku-1")))).hasSize(1);
        assertThat(peers.findAll(getRequestedFor(urlPathEqualTo("/inventory/sku-2")))).isEmpty();
    }

    @Test
    void forgedTokensAndTokensOfAnyOtherIssuerAreRefused() {
        expectInvalid(buyer("acme-eve").signedWith(TestKeys.ATTACKER).keyId(IDP_KEY.getKeyID()).sign());
        expectInvalid(buyer("acme-eve").issuer("http://localhost:8080").sign());
        expectInvalid(buyer("acme-eve").audience("another-api").sign());
        expectInvalid(buyer("acme-eve").unsigned());

        assertThat(peers.findAll(anyRequestedFor(urlPathMatching("/orders/.*")))).isEmpty();
    }

    @Test
    void aRevocationWrittenToRedisEndsTheTokenWithinASecond() {
        String token = buyer("acme-cy").jti("jti-acme-1").sign();
        client.get().uri("/orders/o-2").header("Authorization", "Bearer " + token).exchange().expectStatus().isOk();

        RevocationMessage revocation = new RevocationMessage.TokenRevoked("jti-acme-1",
                clock.instant().plus(Duration.ofMinutes(15)).toEpochMilli(), 0, "acme-idp");
        try (RedisClient redis = RedisClient.create(TestRedis.url());
             StatefulRedisConnection<String, String> connection = redis.connect()) {
            TestRevocations.write(connection.sync(), revocation);
        }

        await().atMost(Duration.ofSeconds(1)).untilAsserted(() -> client.get().uri("/orders/o-3")
                .header("Authorization", "Bearer " + token).exchange().expectStatus().isUnauthorized());
        assertThat(peers.findAll(getRequestedFor(urlPathEqualTo("/orders/o-3")))).isEmpty();
    }

    @Test
    void aPublicRouteIsRateLimitedPerClient() {
        for (int i = 0; i < 5; i++) {
            client.get().uri("/catalog/items").exchange().expectStatus().isOk();
        }
        client.get().uri("/catalog/items").exchange().expectStatus().isEqualTo(429)
                .expectHeader().exists("Retry-After");

        assertThat(peers.findAll(getRequestedFor(urlPathEqualTo("/catalog/items")))).hasSize(5);
    }

    @Test
    void theRequestLineScreenAndTheSpringCloudGatewayDefaultsComeWithTheStarter() {
        client.method(HttpMethod.valueOf("TRACE")).uri("/catalog/items").exchange().expectStatus().isEqualTo(405);
        client.get().uri("/catalog/items").header("X-Big", "x".repeat(20_000)).exchange().expectStatus().isEqualTo(431);
        client.get().uri("/catalog/items").header("X-Forwarded-For", "6.6.6.6").header("X-Forwarded-Host", "evil.example")
                .exchange().expectStatus().isOk();

        LoggedRequest received = peers.findAll(getRequestedFor(urlPathEqualTo("/catalog/items"))).getLast();
        assertThat(received.getHeader("X-Forwarded-For")).doesNotContain("6.6.6.6");
        assertThat(received.getHeader("X-Forwarded-Host")).doesNotContain("evil.example");
        assertThat(received.containsHeader(IdentityHeaders.USER_ID)).isFalse();
    }

    private void expectInvalid(String token) {
        client.get().uri("/orders/o-9").header("Authorization", "Bearer " + token).exchange()
                .expectStatus().isUnauthorized()
                .expectHeader().valueMatches("WWW-Authenticate", ".*error=\"invalid_token\".*")
                .expectHeader().contentType("application/problem+json");
    }
}
