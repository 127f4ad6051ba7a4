package dev.portcullis.products;

import dev.portcullis.testsupport.GatewayIdentity;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;

import dev.portcullis.contract.IdentityHeaders;
import dev.portcullis.contract.ProblemTypes;
import dev.portcullis.testsupport.TestClients;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/** The catalogue as users behind the gateway see it (identity headers only, no token). */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = GatewayIdentity.PROPERTY)
class ProductCatalogTest {

    @LocalServerPort
    int port;

    WebTestClient client;

    @BeforeEach
    void bindToServer() {
        client = TestClients.signedByTheGateway(port).build();
    }

    @Test
    void listsTheSeededCatalogueToAnIdentifiedUser() {
        asUser("alice", "products:read").get().uri("/products").exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$[0].id").isEqualTo("p-1")
                .jsonPath("$[0].price").isEqualTo(12.5)
                .jsonPath("$[0].currency").isEqualTo("EUR")
                .jsonPath("$[*].name").value(hasItem("Drawbridge notebook"));
    }

    @Test
    void returnsOneProductById() {
        asUser("alice").get().uri("/products/p-2").exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.name").isEqualTo("Drawbridge notebook");
    }

    @Test
    void answers404ProblemForAnUnknownProduct() {
        asUser("alice").get().uri("/products/p-999").exchange()
                .expectStatus().isNotFound()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.type").isEqualTo(ProblemTypes.NOT_FOUND.toString())
                .jsonPath("$.detail").value(containsString("p-999"));
    }

    @Test
    void answers401ProblemWithoutIdentityHeadersOrToken() {
        client.get().uri("/products").exchange()
                .expectStatus().isUnauthorized()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectHeader().valueEquals(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
                .expectBody().jsonPath("$.status").isEqualTo(401);
    }

    @Test
    void addsAProductForAUserWithProductsWritePermission() {
        String location = asUser("admin", "products:read", "products:write").post().uri("/products")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"name\":\"  Arrow slit curtain \",\"description\":\"Blocks draughts.\",\"price\":19.99}")
                .exchange()
                .expectStatus().isCreated()
                .expectBody()
                .jsonPath("$.name").isEqualTo("Arrow slit curtain")
                .jsonPath("$.price").isEqualTo(19.99)
                .returnResult().getResponseHeaders().getLocation().toString();

        asUser("alice").get().uri(location).exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.name").isEqualTo("Arrow slit curtain");
    }

    @Test
    void theLocationOfANewProductCarriesThePrefixTheGatewayStripped() {
        String location = asUser("admin", "products:read", "products:write").post().uri("/products")
                .header("X-Forwarded-Prefix", "/api")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"name\":\"Murder hole cover\",\"price\":5.00}")
                .exchange()
                .expectStatus().isCreated()
                .expectBody().returnResult().getResponseHeaders().getLocation().toString();
        String ignored = asUser("admin", "products:read", "products:write").post().uri("/products")
                .header("X-Forwarded-Prefix", "https://evil.example/x")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"name\":\"Murder hole cover 2\",\"price\":5.00}")
                .exchange()
                .expectStatus().isCreated()
                .expectBody().returnResult().getResponseHeaders().getLocation().toString();

        org.assertj.core.api.Assertions.assertThat(location).matches("/api/products/[^/]+");
        org.assertj.core.api.Assertions.assertThat(ignored).matches("/products/[^/]+");
    }

    @Test
    void refusesToAddAProductWithoutProductsWritePermissionWith403Problem() {
        asUser("alice", "products:read").post().uri("/products")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"name\":\"Sneaky\",\"price\":1.00}")
                .exchange()
                .expectStatus().isForbidden()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.type").isEqualTo(ProblemTypes.INSUFFICIENT_SCOPE.toString())
                .jsonPath("$.detail").value(containsString("products:write"));

        asUser("alice").get().uri("/products").exchange()
                .expectBody().jsonPath("$[*].name").value(org.hamcrest.Matchers.not(hasItem("Sneaky")));
    }

    static Stream<Arguments> invalidProducts() {
        return Stream.of(
                Arguments.of("{\"name\":\"   \",\"price\":1.00}", "name"),
                Arguments.of("{\"price\":1.00}", "name"),
                Arguments.of("{\"name\":\"" + "x".repeat(201) + "\",\"price\":1.00}", "name"),
                Arguments.of("{\"name\":\"Free lunch\",\"price\":0}", "price"),
                Arguments.of("{\"name\":\"Debt\",\"price\":-5.00}", "price"),
                Arguments.of("{\"name\":\"Too precise\",\"price\":1.005}", "price"),
                Arguments.of("{\"name\":\"No price\"}", "price"),
                Arguments.of("{\"name\":\"Essay\",\"price\":1.00,\"description\":\"" + "y".repeat(2001) + "\"}",
                        "description"));
    }

    @ParameterizedTest
    @MethodSource("invalidProducts")
    void rejectsAnInvalidProductWith400ProblemNamingTheField(String body, String field) {
        asUser("admin", "products:write").post().uri("/products")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange()
                .expectStatus().isBadRequest()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.type").isEqualTo(ProblemTypes.INVALID_REQUEST.toString())
                .jsonPath("$.errors[0].field").isEqualTo(field)
                .jsonPath("$.errors[0].message").isNotEmpty();
    }

    @Test
    void rejectsMalformedJsonWith400Problem() {
        asUser("admin", "products:write").post().uri("/products")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"name\": \"unterminated")
                .exchange()
                .expectStatus().isBadRequest()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.type").isEqualTo(ProblemTypes.BAD_REQUEST.toString())
                .jsonPath("$.status").isEqualTo(400);
    }

    @Test
    void rejectsANonJsonBodyWith415Problem() {
        asUser("admin", "products:write").post().uri("/products")
                .contentType(MediaType.TEXT_PLAIN)
                .bodyValue("name=mug")
                .exchange()
                .expectStatus().isEqualTo(415)
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.type").isEqualTo(ProblemTypes.UNSUPPORTED_MEDIA_TYPE.toString());
    }

    private WebTestClient asUser(String id, String... permissions) {
        return client.mutate()
                .defaultHeader(IdentityHeaders.USER_ID, id)
                .defaultHeader(IdentityHeaders.USER_ROLE, "user")
                .defaultHeader(IdentityHeaders.USER_PERMISSIONS, String.join(",", permissions))
                .build();
    }
}
