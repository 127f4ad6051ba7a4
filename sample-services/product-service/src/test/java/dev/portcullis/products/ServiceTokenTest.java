package dev.portcullis.products;

import dev.portcullis.testsupport.GatewayIdentity;
import static org.hamcrest.Matchers.containsString;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.portcullis.contract.IdentityHeaders;
import dev.portcullis.contract.ProblemTypes;
import dev.portcullis.testsupport.TestClients;
import dev.portcullis.testsupport.TestKeys;
import dev.portcullis.testsupport.TokenFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/** Services calling the product-service directly with a client-credentials token that it verifies itself. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = GatewayIdentity.PROPERTY)
class ServiceTokenTest {

    static final WireMockServer AUTH = JwksStub.start();
    static final TokenFactory TOKENS = new TokenFactory(TestKeys.RSA, JwksStub.ISSUER, "product-service",
            Clock.systemUTC());

    @DynamicPropertySource
    static void authService(DynamicPropertyRegistry registry) {
        JwksStub.register(registry, AUTH);
    }

    @AfterAll
    static void stopAuth() {
        AUTH.stop();
    }

    @LocalServerPort
    int port;

    WebTestClient client;

    @BeforeEach
    void bindToServer() {
        client = TestClients.signedByTheGateway(port).build();
    }

    static TokenFactory.Token serviceToken() {
        return TOKENS.forUser("order-service")
                .audience("product-service")
                .scope("products:read")
                .claim("client_id", "order-service")
                .without("username").without("role").without("permissions").without("amr");
    }

    @Test
    void servesAServiceTokenWithProductsReadScope() {
        client.get().uri("/products/p-1")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + serviceToken().sign())
                .exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.id").isEqualTo("p-1");
    }

    @Test
    void acceptsATokenThatExpiredLessThanTheClockSkewAgo() {
        Instant now = Instant.now();
        String token = serviceToken().issuedAt(now.minus(Duration.ofMinutes(5))).notBefore(now.minus(Duration.ofMinutes(5)))
                .expiresAt(now.minusSeconds(20)).sign();
        client.get().uri("/products")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
                .exchange()
                .expectStatus().isOk();
    }

    static Stream<Arguments> rejectedTokens() {
        Instant now = Instant.now();
        Function<TokenFactory.Token, String> sign = TokenFactory.Token::sign;
        return Stream.of(
                Arguments.of("audience of another service", sign.apply(serviceToken().audience("order-service"))),
                Arguments.of("user audience", sign.apply(serviceToken().audience("portcullis"))),
                Arguments.of("foreign issuer", sign.apply(serviceToken().issuer("http://evil.test"))),
                Arguments.of("expired beyond the skew", sign.apply(serviceToken()
                        .issuedAt(now.minus(Duration.ofMinutes(10))).notBefore(now.minus(Duration.ofMinutes(10)))
                        .expiresAt(now.minusSeconds(31 + 5)))),
                Arguments.of("not valid yet beyond the skew", sign.apply(serviceToken()
                        .notBefore(now.plusSeconds(60)))),
                Arguments.of("typ JWT instead of at+jwt", sign.apply(serviceToken().type("JWT"))),
                Arguments.of("no typ", sign.apply(serviceToken().type(null))),
                Arguments.of("signed by an unknown key with a known kid", sign.apply(serviceToken()
                        .signedWith(TestKeys.ATTACKER))),
                Arguments.of("ES256 instead of RS256", sign.apply(serviceToken().signedWith(TestKeys.EC))),
                Arguments.of("HS256 keyed with the public key", serviceToken().hmacWithPublicKey()),
                Arguments.of("alg none", serviceToken().unsigned()),
                Arguments.of("no exp", sign.apply(serviceToken().without("exp"))),
                Arguments.of("not a JWT", "definitely-not-a-jwt"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rejectedTokens")
    void rejectsAnInvalidServiceTokenWith401InvalidTokenProblem(String why, String token) {
        client.get().uri("/products")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
                .exchange()
                .expectStatus().isUnauthorized()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectHeader().value(HttpHeaders.WWW_AUTHENTICATE, containsString("error=\"invalid_token\""))
                .expectBody()
                .jsonPath("$.type").isEqualTo(ProblemTypes.INVALID_TOKEN.toString())
                .jsonPath("$.detail").value(detail -> org.assertj.core.api.Assertions.assertThat(detail.toString())
                        .doesNotContain(token));
    }

    @Test
    void rejectsANonBearerAuthorizationWith401() {
        client.get().uri("/products")
                .header(HttpHeaders.AUTHORIZATION, "Basic b3JkZXItc2VydmljZTpzZWNyZXQ=")
                .exchange()
                .expectStatus().isUnauthorized()
                .expectHeader().value(HttpHeaders.WWW_AUTHENTICATE, containsString("invalid_token"));
    }

    @Test
    void refusesAServiceTokenWithoutProductsReadWith403() {
        client.get().uri("/products")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + serviceToken().scope("orders:read").sign())
                .exchange()
                .expectStatus().isForbidden()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectHeader().value(HttpHeaders.WWW_AUTHENTICATE, containsString("insufficient_scope"))
                .expectBody().jsonPath("$.detail").value(containsString("products:read"));
    }

    @Test
    void refusesToAddAProductWithOnlyTheReadScope() {
        client.post().uri("/products")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + serviceToken().sign())
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"name\":\"Sneaky\",\"price\":1.00}")
                .exchange()
                .expectStatus().isForbidden()
                .expectBody().jsonPath("$.detail").value(containsString("products:write"));
    }

    @Test
    void letsAServiceWithTheWriteScopeAddAProduct() {
        client.post().uri("/products")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + serviceToken().scope("products:read products:write").sign())
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"name\":\"Batch import\",\"price\":3.10}")
                .exchange()
                .expectStatus().isCreated();
    }

    @Test
    void trustsTheGatewayHeadersOverAnyAuthorizationHeader() {
        client.get().uri("/products")
                .header(IdentityHeaders.USER_ID, "alice")
                .header(HttpHeaders.AUTHORIZATION, "Bearer the-users-own-token-forwarded-by-the-gateway")
                .exchange()
                .expectStatus().isOk();
    }
}
