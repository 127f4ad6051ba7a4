package dev.portcullis.e2e;

import static dev.portcullis.e2e.support.Accounts.ALICE;
import static dev.portcullis.e2e.support.Accounts.ALICE_ID;
import static dev.portcullis.e2e.support.Accounts.ALICE_PASSWORD;
import static dev.portcullis.e2e.support.Accounts.ALICE_PERMISSIONS;
import static dev.portcullis.e2e.support.Problems.assertInvalidToken;
import static dev.portcullis.e2e.support.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.contract.IdentityHeaders;
import dev.portcullis.e2e.support.Client;
import dev.portcullis.e2e.support.EndToEndTest;
import dev.portcullis.e2e.support.Gateway;
import dev.portcullis.e2e.support.Jwt;
import dev.portcullis.e2e.support.PortcullisStack;
import dev.portcullis.e2e.support.Response;
import dev.portcullis.e2e.support.Session;
import dev.portcullis.testsupport.GatewayIdentity;
import dev.portcullis.testsupport.TestKeys;
import dev.portcullis.testsupport.TokenFactory;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Login, the three services behind the gateway, the identity they receive, and what the edge refuses. */
@EndToEndTest
class IdentityEndToEndTest {

    @Test
    void aLoggedInUserReachesEveryServiceThroughTheGateway(Gateway gateway) {
        Client browser = gateway.newClient();
        Session alice = browser.login(ALICE, ALICE_PASSWORD);
        assertThat(alice.userId()).isEqualTo(ALICE_ID);

        Response me = browser.get("/api/users/me").bearer(alice.accessToken()).send();
        assertThat(me.status()).as("%s", me).isEqualTo(200);
        assertThat(me.json().path("id").asString()).isEqualTo(ALICE_ID);
        assertThat(me.json().path("displayName").asString()).isEqualTo("Alice Example");

        Response products = browser.get("/api/products").bearer(alice.accessToken()).send();
        assertThat(products.status()).as("%s", products).isEqualTo(200);
        assertThat(products.json().findValuesAsString("id")).contains("p-1", "p-2");

        Response orders = browser.get("/api/orders").bearer(alice.accessToken()).send();
        assertThat(orders.status()).as("%s", orders).isEqualTo(200);
        assertThat(orders.json().isArray()).isTrue();
    }

    /**
     * A peer on the network that is not the gateway (here, one holding the order-service's own identity key,
     * as a compromised order-service would) cannot act as a user at the product-service; the gateway still can.
     */
    @Test
    void onlyTheGatewayCanIdentifyAUserToAService(Gateway gateway) throws Exception {
        PortcullisStack stack = PortcullisStack.get();
        String products = stack.serviceUrl("product-service") + "/products";
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        Map<String, String> admin = Map.of(IdentityHeaders.USER_ID, "u-admin", IdentityHeaders.USER_ROLE, "admin",
                IdentityHeaders.USER_PERMISSIONS, "products:read,products:write");

        java.net.http.HttpRequest.Builder unsigned = java.net.http.HttpRequest.newBuilder(java.net.URI.create(products))
                .header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"name\":\"Forged\",\"price\":1.00}"));
        admin.forEach(unsigned::header);
        var plain = http.send(unsigned.build(), java.net.http.HttpResponse.BodyHandlers.ofString());

        GatewayIdentity orderServicesKey = new GatewayIdentity(stack.identityKey("order-service"));
        java.net.http.HttpRequest.Builder wrongKey = java.net.http.HttpRequest.newBuilder(java.net.URI.create(products))
                .header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"name\":\"Forged\",\"price\":1.00}"));
        admin.forEach(wrongKey::header);
        orderServicesKey.sign("POST", java.net.URI.create(products), java.time.Instant.now(), admin::get, wrongKey::header);
        var signedByAnotherService = http.send(wrongKey.build(), java.net.http.HttpResponse.BodyHandlers.ofString());

        assertThat(plain.statusCode()).as(plain.body()).isEqualTo(401);
        assertThat(plain.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type)
                .startsWith("application/problem+json"));
        assertThat(signedByAnotherService.statusCode()).as(signedByAnotherService.body()).isEqualTo(401);
        Client browser = gateway.newClient();
        Session alice = browser.login(ALICE, ALICE_PASSWORD);
        Response through = browser.get("/api/products/p-1").bearer(alice.accessToken()).send();
        assertThat(through.status()).as("%s", through).isEqualTo(200);
    }

    @Test
    void servicesSeeTheVerifiedIdentityAndNoneOfTheHeadersTheClientForged(Gateway gateway) {
        Client browser = gateway.newClient();
        Session alice = browser.login(ALICE, ALICE_PASSWORD);

        Response me = forged(browser.get("/api/users/me").bearer(alice.accessToken()))
                .header("X-Request-Id", "e2e-forgery-check-1").send();

        assertThat(me.status()).as("%s", me).isEqualTo(200);
        JsonNode profile = me.json();
        assertThat(profile.path("id").asString()).isEqualTo(ALICE_ID);
        assertThat(profile.path("role").asString()).isEqualTo("user");
        assertThat(strings(profile.path("permissions"))).containsExactlyElementsOf(ALICE_PERMISSIONS);
        assertThat(strings(profile.path("authMethods"))).containsExactly("pwd");
        assertThat(profile.path("mfa").asBoolean()).isFalse();
        assertThat(profile.path("requestId").asString()).isEqualTo("e2e-forgery-check-1");

        // user-service decides by role: had the forged "admin" role got through, this would be 200
        assertProblem(forged(browser.get("/api/users/u-admin").bearer(alice.accessToken())).send(), 403);
        // the gateway decides by the token's permissions, not by a forged header
        assertProblem(forged(browser.post("/api/products").bearer(alice.accessToken()))
                .json(Map.of("name", "forged", "price", 1)).send(), 403);
        // order-service lists the verified caller's orders only
        Response orders = forged(browser.get("/api/orders").bearer(alice.accessToken())).send();
        assertThat(orders.status()).as("%s", orders).isEqualTo(200);
        assertThat(orders.json().findValuesAsString("ownerId")).allMatch(ALICE_ID::equals);
    }

    @Test
    void aRequestWithoutTokenIsRefusedEvenWhenItCarriesIdentityHeaders(Gateway gateway) {
        Response response = gateway.newClient().get("/api/users/me")
                .header("x-user-id", ALICE_ID).header("x-user-permissions", "users:read").send();

        assertProblem(response, 401);
        assertThat(response.header("WWW-Authenticate")).hasValueSatisfying(
                challenge -> assertThat(challenge).startsWith("Bearer").doesNotContain("error="));
    }

    @Test
    void forgedTokensAreRefusedAndTheGenuineOneStillWorks(Gateway gateway) {
        Client browser = gateway.newClient();
        Session alice = browser.login(ALICE, ALICE_PASSWORD);
        String realKid = Jwt.keyId(alice.accessToken());
        TokenFactory attacker = new TokenFactory(TestKeys.ATTACKER, gateway.issuer(), "portcullis", Clock.systemUTC());

        String ownKeyUnderRealKid = attacker.forUser(ALICE_ID).keyId(realKid).role("admin")
                .permissions("users:admin", "products:write").sign();
        String tamperedPayload = TokenFactory.tamperPayload(alice.accessToken(), Map.of("role", "admin"));
        String unsigned = attacker.forUser(ALICE_ID).keyId(realKid).unsigned();
        String algorithmConfusion = attacker.forUser(ALICE_ID).keyId(realKid).hmacWithPublicKey();

        for (String forged : List.of(ownKeyUnderRealKid, tamperedPayload, unsigned, algorithmConfusion)) {
            assertInvalidToken(browser.get("/api/users/me").bearer(forged).send());
        }
        assertThat(browser.get("/api/users/me").bearer(alice.accessToken()).send().status()).isEqualTo(200);
    }

    @Test
    void publicRoutesAnswerWithoutAToken(Gateway gateway) {
        Client anonymous = gateway.newClient();

        Response jwks = anonymous.get("/.well-known/jwks.json").send();
        assertThat(jwks.status()).as("%s", jwks).isEqualTo(200);
        String kid = Jwt.keyId(anonymous.login(ALICE, ALICE_PASSWORD).accessToken());
        assertThat(jwks.json().path("keys").findValuesAsString("kid")).contains(kid);
        assertThat(jwks.body()).doesNotContain("\"d\"", "\"p\"", "\"q\"");

        Response discovery = anonymous.get("/.well-known/openid-configuration").send();
        assertThat(discovery.status()).as("%s", discovery).isEqualTo(200);
        assertThat(discovery.json().path("issuer").asString()).isEqualTo(gateway.issuer());
    }

    @Test
    void everyErrorIsAProblemDocument(Gateway gateway) {
        Client browser = gateway.newClient();
        Session alice = browser.login(ALICE, ALICE_PASSWORD);

        assertProblem(browser.get("/api/nowhere").bearer(alice.accessToken()).send(), 404);
        assertProblem(browser.get("/api/orders/../users/me").bearer(alice.accessToken()).send(), 400);
        assertProblem(browser.post("/api/orders").bearer(alice.accessToken()).json("{\"items\": [").send(), 400);
        assertProblem(browser.get("/api/products/p-does-not-exist").bearer(alice.accessToken()).send(), 404);
        assertProblem(browser.attemptLogin(ALICE, "not-her-password"), 401);
    }

    /** Identity headers a malicious client adds, in various spellings, hoping a service believes them. */
    private static dev.portcullis.e2e.support.Request forged(dev.portcullis.e2e.support.Request request) {
        return request.header("x-user-id", "admin")
                .header("X-User-Role", "admin")
                .header("X-USER-PERMISSIONS", "users:admin,products:write")
                .header("x-user-amr", "pwd,mfa,otp")
                .header("x-user-scopes", "admin");
    }

    private static List<String> strings(JsonNode array) {
        return array.valueStream().map(JsonNode::asString).toList();
    }
}
