package dev.portcullis.gateway.identity;

import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.portcullis.contract.IdentityHeaders;
import dev.portcullis.contract.IdentitySignature;
import dev.portcullis.gateway.support.GatewayIntegrationTest;
import dev.portcullis.testsupport.GatewayIdentity;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The signature over the identity the gateway forwards: made with the key of the route's service and no other, over
 * the method and path as the service receives them, the request id and every identity header (absent ones too).
 */
class IdentitySignatureIntegrationTest extends GatewayIntegrationTest {

    static final GatewayIdentity USERS = new GatewayIdentity(GatewayIdentity.key("users"));
    static final GatewayIdentity PRODUCTS = new GatewayIdentity(GatewayIdentity.key("products"));
    static final GatewayIdentity ORDERS = new GatewayIdentity(GatewayIdentity.key("orders"));

    @Test
    void signsTheIdentityForwardedToAServiceWithThatServicesKeyAndNoOther() {
        String token = tokens.forUser("u-42").role("user").permissions("products:read", "orders:read").sign();

        getWithToken("/api/products/p-1?expand=price&page=2", token).exchange().expectStatus().isOk();
        getWithToken("/api/orders", token).exchange().expectStatus().isOk();

        LoggedRequest products = onlyRequestTo("/products/p-1");
        assertThat(products.getUrl()).isEqualTo("/products/p-1?expand=price&page=2");
        assertThat(products.getHeader(IdentityHeaders.USER_ID)).isEqualTo("u-42");
        assertThat(verifies(PRODUCTS, products)).isTrue();
        assertThat(verifies(ORDERS, products)).isFalse();
        assertThat(verifies(USERS, products)).isFalse();
        LoggedRequest orders = onlyRequestTo("/orders");
        assertThat(verifies(ORDERS, orders)).isTrue();
        assertThat(verifies(PRODUCTS, orders)).isFalse();
        // an encoded query: signed exactly as the upstream receives it, whatever re-encoding happened on the way
        getWithToken("/api/products?q=a%2Fb%20c", token).exchange().expectStatus().isOk();
        assertThat(verifies(PRODUCTS, onlyRequestTo("/products"))).isTrue();
        assertThat(Long.parseLong(orders.getHeader(IdentitySignature.TIMESTAMP)))
                .isBetween(testClock.instant().getEpochSecond() - 1, testClock.instant().getEpochSecond() + 1);
    }

    @Test
    void theSignatureCoversThePathAndMethodTheServiceReceivesAndEveryIdentityHeader() {
        String token = tokens.forUser("u-7").role("user").permissions("orders:write").sign();

        client.post().uri("/api/orders").header("Authorization", "Bearer " + token).bodyValue("{}")
                .exchange().expectStatus().isOk();

        LoggedRequest received = onlyRequestTo("/orders");
        assertThat(verifies(ORDERS, received)).isTrue();
        Function<String, String> headers = headersOf(received);
        String signature = received.getHeader(IdentitySignature.SIGNATURE);
        String timestamp = received.getHeader(IdentitySignature.TIMESTAMP);
        assertThat(ORDERS.verifies(signature, timestamp, "GET", "/orders", headers)).as("other method").isFalse();
        assertThat(ORDERS.verifies(signature, timestamp, "POST", "/api/orders", headers)).as("the client's path").isFalse();
        assertThat(ORDERS.verifies(signature, timestamp, "POST", "/orders",
                name -> name.equals(IdentityHeaders.USER_ID) ? "u-admin" : headers.apply(name))).as("other user").isFalse();
        assertThat(ORDERS.verifies(signature, timestamp, "POST", "/orders",
                name -> name.equals(IdentityHeaders.USER_PERMISSIONS) ? "orders:write,orders:admin" : headers.apply(name)))
                .as("more permissions").isFalse();
    }

    @Test
    void signsTheAbsenceOfIdentityOnAPublicRouteSoThatItCannotBeUpgraded() {
        client.get().uri("/it/signed-public/catalogue").header("x-user-id", "u-admin")
                .header("X-Portcullis-Identity-Signature", "v1.forged.forged")
                .exchange().expectStatus().isOk();

        LoggedRequest received = onlyRequestTo("/it/signed-public/catalogue");
        assertThat(received.getHeaders().keys()).noneMatch(name -> IdentityHeaders.isIdentityHeader(name));
        assertThat(received.getHeaders().getHeader(IdentitySignature.SIGNATURE).values()).hasSize(1);
        assertThat(verifies(PRODUCTS, received)).isTrue();
        Function<String, String> headers = headersOf(received);
        assertThat(PRODUCTS.verifies(received.getHeader(IdentitySignature.SIGNATURE),
                received.getHeader(IdentitySignature.TIMESTAMP), "GET", "/it/signed-public/catalogue",
                name -> name.equals(IdentityHeaders.USER_ID) ? "u-admin" : headers.apply(name))).isFalse();
    }

    @Test
    void aRouteWithoutAnIdentityKeyForwardsNoSignatureAndNoneTheClientSent() {
        String token = tokens.forUser("u-1").sign();

        client.post().uri("/auth/logout").header("Authorization", "Bearer " + token)
                .header("x-portcullis-identity-signature", "v1.forged.forged")
                .header("X_Portcullis_Identity_Timestamp", "1")
                .exchange().expectStatus().isOk();

        LoggedRequest received = onlyRequestTo("/auth/logout");
        assertThat(received.getHeaders().keys())
                .noneMatch(name -> IdentityHeaders.startsWithNormalized(name, IdentitySignature.HEADER_PREFIX));
        assertThat(received.getHeader(IdentityHeaders.USER_ID)).isEqualTo("u-1");
    }

    /** Each event-loop thread reuses its own Mac: parallel requests must never sign with another request's state. */
    @Test
    void signsEachOfManyParallelRequestsForItsOwnUser() {
        List<Integer> statuses = reactor.core.publisher.Flux.range(0, 40)
                .flatMap(i -> org.springframework.web.reactive.function.client.WebClient.create("http://localhost:" + port)
                        .get().uri("/api/users/me?n=" + i)
                        .header("Authorization", "Bearer " + tokens.forUser("u-par-" + i).sign())
                        .exchangeToMono(response -> response.releaseBody().thenReturn(response.statusCode().value())), 40)
                .collectList().block(java.time.Duration.ofSeconds(30));

        assertThat(statuses).hasSize(40).containsOnly(200);
        List<LoggedRequest> received = upstream.findAll(anyRequestedFor(urlPathEqualTo("/users/me")));
        assertThat(received).hasSize(40).allSatisfy(request -> {
            assertThat(verifies(USERS, request)).isTrue();
            assertThat(request.getHeader(IdentityHeaders.USER_ID))
                    .isEqualTo("u-par-" + request.queryParameter("n").firstValue());
        });
    }

    @Test
    void refusesToStartWhenARouteNamesAKeyThatIsNotSet() {
        assertThatThrownBy(() -> startSecondInstance("--PRODUCT_SERVICE_IDENTITY_KEY=").close())
                .rootCause().hasMessageContaining("portcullis.identity.signing.keys.products")
                .hasMessageContaining("route 'products'");
    }

    @Test
    void refusesToStartWithAKeyShorterThan256BitsNamingTheKeyButNotItsValue() {
        String weak = java.util.Base64.getEncoder().encodeToString(new byte[20]);
        assertThatThrownBy(() -> startSecondInstance("--ORDER_SERVICE_IDENTITY_KEY=" + weak).close())
                .rootCause().hasMessageContaining("portcullis.identity.signing.keys.orders")
                .hasMessageContaining("256 bits").hasMessageNotContaining(weak);
    }

    static boolean verifies(GatewayIdentity key, LoggedRequest received) {
        return key.verifies(received.getHeader(IdentitySignature.SIGNATURE), received.getHeader(IdentitySignature.TIMESTAMP),
                received.getMethod().getName(), received.getUrl(), headersOf(received));
    }

    static Function<String, String> headersOf(LoggedRequest received) {
        return name -> received.containsHeader(name) ? received.getHeader(name) : null;
    }

    private static LoggedRequest onlyRequestTo(String path) {
        List<LoggedRequest> received = upstream.findAll(anyRequestedFor(urlPathEqualTo(path)));
        assertThat(received).hasSize(1);
        return received.getFirst();
    }
}
