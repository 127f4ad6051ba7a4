package dev.portcullis.e2e;

import static dev.portcullis.e2e.support.Accounts.ALICE_ID;
import static dev.portcullis.e2e.support.PortcullisStack.PORTCULLIS_CLIENT_ID;
import static dev.portcullis.e2e.support.PortcullisStack.PORTCULLIS_CLIENT_SECRET;
import static dev.portcullis.e2e.support.PortcullisStack.THIRD_PARTY_CLIENT_ID;
import static dev.portcullis.e2e.support.PortcullisStack.THIRD_PARTY_CLIENT_ROLES;
import static dev.portcullis.e2e.support.PortcullisStack.THIRD_PARTY_OTHER_AUDIENCE_CLIENT_ID;
import static dev.portcullis.e2e.support.Problems.assertInvalidToken;
import static dev.portcullis.e2e.support.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import dev.portcullis.e2e.support.Client;
import dev.portcullis.e2e.support.EndToEndTest;
import dev.portcullis.e2e.support.Forms;
import dev.portcullis.e2e.support.Gateway;
import dev.portcullis.e2e.support.Jwt;
import dev.portcullis.e2e.support.PortcullisStack;
import dev.portcullis.e2e.support.Response;
import dev.portcullis.testsupport.TestKeys;
import dev.portcullis.testsupport.TokenFactory;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The gateway trusts a second issuer, a real Spring Authorization Server (the third-party issuer app, its own
 * process, RSA key and JWKS, found by OIDC discovery), next to Portcullis' auth service. A client-credentials token
 * from each passes through to a service with the identity that issuer's claim mapping gives; what either issuer did
 * not sign, or signed for someone else, is refused, and a key is only ever looked up in the set of the token's own
 * issuer.
 */
@EndToEndTest
class ThirdPartyIssuerEndToEndTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void aClientCredentialsTokenFromEitherIssuerReachesAServiceWithTheIdentityItsIssuersMappingGives(Gateway gateway) {
        PortcullisStack stack = PortcullisStack.get();
        String partnerToken = thirdPartyToken(stack, THIRD_PARTY_CLIENT_ID, "products:read");
        Client partner = gateway.newClient();
        Client reporting = gateway.newClient();
        String portcullisToken = portcullisToken(reporting, PORTCULLIS_CLIENT_ID, PORTCULLIS_CLIENT_SECRET, "portcullis");

        // what the user-service received: it answers /users/me with the identity headers the gateway signed for it
        Response partnerAtService = partner.get("/api/users/me").bearer(partnerToken)
                .header("X-Request-Id", "e2e-third-party-1")
                .header("x-user-role", "admin").header("x-user-permissions", "products:write").send();
        Response portcullisAtService = reporting.get("/api/users/me").bearer(portcullisToken).send();

        assertThat(partnerAtService.status()).as("%s", partnerAtService).isEqualTo(200);
        JsonNode fromPartner = partnerAtService.json();
        assertThat(fromPartner.path("id").asString()).isEqualTo(THIRD_PARTY_CLIENT_ID);
        // the roles array, joined (x-user-role); the client's forged headers are gone
        assertThat(fromPartner.path("role").asString()).isEqualTo(String.join(",", THIRD_PARTY_CLIENT_ROLES));
        // SAS's `scope` array, mapped to permissions and to scopes alike
        assertThat(strings(fromPartner.path("permissions"))).containsExactly("products:read");
        assertThat(strings(fromPartner.path("scopes"))).containsExactly("products:read");
        assertThat(strings(fromPartner.path("authMethods"))).isEmpty();
        assertThat(fromPartner.path("mfa").asBoolean()).isFalse();
        assertThat(fromPartner.path("requestId").asString()).isEqualTo("e2e-third-party-1");
        // x-user-issuer: the issuer's id, so that a service can tell the partner's partner-app from a local one
        assertThat(fromPartner.path("issuer").asString()).isEqualTo(PortcullisStack.THIRD_PARTY_ISSUER_ID);

        assertThat(portcullisAtService.status()).as("%s", portcullisAtService).isEqualTo(200);
        JsonNode fromPortcullis = portcullisAtService.json();
        assertThat(fromPortcullis.path("id").asString()).isEqualTo(PORTCULLIS_CLIENT_ID);
        assertThat(fromPortcullis.path("role").asString()).isEmpty();
        assertThat(strings(fromPortcullis.path("permissions"))).isEmpty();
        assertThat(strings(fromPortcullis.path("scopes"))).containsExactly("products:read");
        // Portcullis' own issuer sends no x-user-issuer: its identities look to services as they always did
        assertThat(fromPortcullis.path("issuer").isNull() || fromPortcullis.path("issuer").isMissingNode())
                .as("issuer of %s", fromPortcullis).isTrue();

        // the mapped permission is what the route's policy reads: products:read is enough to list, not to write
        Response products = partner.get("/api/products").bearer(partnerToken).send();
        assertThat(products.status()).as("%s", products).isEqualTo(200);
        assertThat(products.json().findValuesAsString("id")).contains("p-1", "p-2");
        Response write = partner.post("/api/products").bearer(partnerToken)
                .json(Map.of("name", "partner's product", "price", 1)).send();
        assertProblem(write, 403);
        assertThat(write.header("WWW-Authenticate")).hasValueSatisfying(
                challenge -> assertThat(challenge).contains("error=\"insufficient_scope\""));
    }

    @Test
    void tokensInThePartnersNameThatThePartnerDidNotSignForTheGatewayAreRefused(Gateway gateway) {
        PortcullisStack stack = PortcullisStack.get();
        Client attacker = gateway.newClient();
        String partnerIssuer = stack.thirdPartyIssuerUrl();
        String partnersKid = stack.thirdPartySigningKey().getKeyID();
        RSAKey testKey = TestKeys.rsa(partnersKid);
        JWK portcullisKey = publishedPortcullisKey(stack, attacker);

        String otherKeyUnderThePartnersKid = partnerShaped(testKey, partnerIssuer).sign();
        String otherKeyUnderItsOwnKid = partnerShaped(TestKeys.rsa("e2e-partner-forger"), partnerIssuer).sign();
        // kid lookup stays inside the token's issuer: Portcullis' kids mean nothing in the partner's name ...
        String portcullisKidSignedByTheTestsKey = partnerShaped(testKey, partnerIssuer).keyId(portcullisKey.getKeyID()).sign();
        // ... not even with Portcullis' real private key behind them
        String portcullisKidAndKey = partnerShaped(portcullisKey, partnerIssuer).sign();
        String tampered = TokenFactory.tamperPayload(thirdPartyToken(stack, THIRD_PARTY_CLIENT_ID, "products:read"),
                partnerClaims(partnerIssuer, List.of("products:read", "products:write"), List.of("admin")));
        String meantForAnotherApi = thirdPartyToken(stack, THIRD_PARTY_OTHER_AUDIENCE_CLIENT_ID, "products:read");
        assertThat(Jwt.claims(meantForAnotherApi).getAudience()).containsExactly("another-api");

        Map<String, String> forged = new LinkedHashMap<>();
        forged.put("another key under the partner's kid", otherKeyUnderThePartnersKid);
        forged.put("another key under its own kid", otherKeyUnderItsOwnKid);
        forged.put("Portcullis' kid, the test's key", portcullisKidSignedByTheTestsKey);
        forged.put("Portcullis' kid and key", portcullisKidAndKey);
        forged.put("a genuine token, payload changed", tampered);
        forged.put("a genuine token for another audience", meantForAnotherApi);
        forged.forEach((variant, token) -> {
            Response refused = attacker.get("/api/users/me").bearer(token).send();
            assertThat(refused.status()).as("%s: %s", variant, refused).isEqualTo(401);
            assertInvalidToken(refused);
        });

        Response genuine = attacker.get("/api/users/me").bearer(thirdPartyToken(stack, THIRD_PARTY_CLIENT_ID,
                "products:read")).send();
        assertThat(genuine.status()).as("%s", genuine).isEqualTo(200);
    }

    @Test
    void tokensInPortcullisNameThatPortcullisDidNotSignForTheGatewayAreRefused(Gateway gateway) {
        PortcullisStack stack = PortcullisStack.get();
        Client attacker = gateway.newClient();
        RSAKey partnersKey = stack.thirdPartySigningKey();
        TokenFactory asPortcullis = new TokenFactory(partnersKey, gateway.issuer(), "portcullis", Clock.systemUTC());

        // the partner's real key and kid: valid for the partner's tokens, worthless in Portcullis' name
        String partnersKidAndKey = asPortcullis.forUser(ALICE_ID).role("admin").permissions("products:write").sign();
        String partnersKidSignedByTheTestsKey = asPortcullis.forUser(ALICE_ID).role("admin")
                .signedWith(TestKeys.rsa(partnersKey.getKeyID())).sign();
        // a genuine Portcullis client token, meant for the product-service rather than the gateway
        String meantForTheProductService = portcullisToken(attacker, "order-service", "order-service-secret",
                "product-service");
        assertThat(Jwt.claims(meantForTheProductService).getAudience()).containsExactly("product-service");

        Map<String, String> forged = Map.of(
                "the partner's kid and key", partnersKidAndKey,
                "the partner's kid, the test's key", partnersKidSignedByTheTestsKey,
                "a genuine client token for another audience", meantForTheProductService);
        forged.forEach((variant, token) -> {
            Response refused = attacker.get("/api/users/me").bearer(token).send();
            assertThat(refused.status()).as("%s: %s", variant, refused).isEqualTo(401);
            assertInvalidToken(refused);
        });

        String genuine = portcullisToken(attacker, PORTCULLIS_CLIENT_ID, PORTCULLIS_CLIENT_SECRET, "portcullis");
        assertThat(attacker.get("/api/users/me").bearer(genuine).send().status()).isEqualTo(200);
    }

    @Test
    void aTokenFromAnIssuerNoOneConfiguredIsRefusedAsUnknownIssuer(Gateway gateway) throws Exception {
        PortcullisStack stack = PortcullisStack.get();
        Client attacker = gateway.newClient();
        RSAKey key = TestKeys.rsa("e2e-nobody");
        String nobodys = partnerShaped(key, "https://idp.nobody.example").sign();
        // iss must match exactly: the partner's URL with a trailing slash is another issuer
        String lookalike = partnerShaped(key, stack.thirdPartyIssuerUrl() + "/").sign();
        double before = rejections(gateway, "unknown_issuer");

        for (String token : List.of(nobodys, lookalike)) {
            Response refused = attacker.get("/api/products").bearer(token).send();
            assertInvalidToken(refused);
            assertThat(refused.json().path("detail").asString()).as("%s", refused).containsIgnoringCase("issuer");
        }
        assertThat(rejections(gateway, "unknown_issuer")).as("gateway rejections with reason unknown_issuer")
                .isGreaterThanOrEqualTo(before + 2);
    }

    /** A token shaped as Spring Authorization Server writes one for the partner's client: no typ, scope an array. */
    private static TokenFactory.Token partnerShaped(JWK key, String issuer) {
        TokenFactory.Token token = new TokenFactory(key, issuer, "portcullis", Clock.systemUTC())
                .forUser(THIRD_PARTY_CLIENT_ID).type(null);
        for (String claim : List.of("username", "role", "permissions", "amr")) {
            token.without(claim);
        }
        return token.claim("aud", "portcullis").claim("client_id", THIRD_PARTY_CLIENT_ID)
                .claim("scope", List.of("products:read")).claim("roles", THIRD_PARTY_CLIENT_ROLES);
    }

    /** The claims of a partner token in full (seconds since the epoch), for a payload swapped into a genuine token. */
    private static Map<String, Object> partnerClaims(String issuer, List<String> scopes, List<String> roles) {
        long now = System.currentTimeMillis() / 1000;
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("iss", issuer);
        claims.put("sub", THIRD_PARTY_CLIENT_ID);
        claims.put("aud", "portcullis");
        claims.put("nbf", now);
        claims.put("iat", now);
        claims.put("exp", now + 300);
        claims.put("jti", java.util.UUID.randomUUID().toString());
        claims.put("client_id", THIRD_PARTY_CLIENT_ID);
        claims.put("scope", scopes);
        claims.put("roles", roles);
        return claims;
    }

    /** A token from the third-party issuer's own token endpoint, as the partner's client gets it (not via the gateway). */
    private static String thirdPartyToken(PortcullisStack stack, String clientId, String scope) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(stack.thirdPartyIssuerUrl() + "/oauth2/token"))
                .timeout(Duration.ofSeconds(20))
                .header("Authorization", Forms.basic(clientId, stack.thirdPartyClientSecret(clientId)))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(Forms.encode(Map.of(
                        "grant_type", "client_credentials", "scope", scope))))
                .build();
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as("token of %s from the third-party issuer: %s", clientId,
                    response.body()).isEqualTo(200);
            return JSON.readTree(response.body()).path("access_token").asString();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A client-credentials token from Portcullis' auth service, through the gateway's public {@code /oauth2/token}. */
    private static String portcullisToken(Client client, String clientId, String secret, String audience) {
        Response response = client.post("/oauth2/token")
                .header("Authorization", Forms.basic(clientId, secret))
                .form(Map.of("grant_type", "client_credentials", "scope", "products:read", "audience", audience))
                .send();
        assertThat(response.status()).as("token of %s from Portcullis: %s", clientId, response).isEqualTo(200);
        return response.json().path("access_token").asString();
    }

    /** A private key of Portcullis' auth service whose kid the gateway's JWKS publishes right now. */
    private static JWK publishedPortcullisKey(PortcullisStack stack, Client client) {
        List<String> published = client.get("/.well-known/jwks.json").send().json().path("keys").findValuesAsString("kid");
        return stack.portcullisSigningKeys().getKeys().stream()
                .filter(JWK::isPrivate)
                .filter(key -> published.contains(key.getKeyID()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no published Portcullis key in the auth service's key file"));
    }

    /** The gateway's {@code portcullis_gateway_rejections_total} series with the given reason, summed. */
    private static double rejections(Gateway gateway, String reason) throws Exception {
        String body = HTTP.send(HttpRequest.newBuilder(URI.create(gateway.managementUrls().get("gateway")
                        + "/actuator/prometheus")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return body.lines()
                .filter(line -> line.startsWith("portcullis_gateway_rejections_total{")
                        && line.contains("reason=\"" + reason + "\""))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }

    private static List<String> strings(JsonNode array) {
        return array.valueStream().map(JsonNode::asString).toList();
    }
}
