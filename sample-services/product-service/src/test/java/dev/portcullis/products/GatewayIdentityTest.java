package dev.portcullis.products;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.portcullis.contract.IdentityHeaders;
import dev.portcullis.contract.IdentitySignature;
import dev.portcullis.testsupport.GatewayIdentity;
import dev.portcullis.testsupport.TestClients;
import dev.portcullis.testsupport.TestKeys;
import dev.portcullis.testsupport.TokenFactory;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The product-service believes {@code x-user-*} headers only under the gateway's signature made with this service's
 * key: not unsigned, not signed with another key (another service's or an attacker's), not stale, not tampered with,
 * not for another request. Anything else is no identity (401), logged and counted.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = GatewayIdentity.PROPERTY)
@ExtendWith(OutputCaptureExtension.class)
class GatewayIdentityTest {

    static final WireMockServer AUTH = JwksStub.start();
    /** The key being retired in a rotation: still accepted, as GATEWAY_IDENTITY_PREVIOUS_KEY. */
    static final String RETIRING_KEY = GatewayIdentity.key("retiring");

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        JwksStub.register(registry, AUTH);
        registry.add("portcullis.gateway-identity.previous-key", () -> RETIRING_KEY);
    }

    @AfterAll
    static void stopAuth() {
        AUTH.stop();
    }

    @LocalServerPort
    int port;

    @Autowired
    MeterRegistry meters;

    WebTestClient client;

    @BeforeEach
    void bindToServer() {
        // no signing filter: each test signs (or does not) exactly as it says
        client = TestClients.localhost(port).build();
    }

    static Map<String, String> alice(String... permissions) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(IdentityHeaders.USER_ID, "u-alice");
        headers.put(IdentityHeaders.USER_ROLE, "user");
        headers.put(IdentityHeaders.USER_PERMISSIONS, String.join(",", permissions));
        headers.put(IdentityHeaders.REQUEST_ID, "req-1");
        return headers;
    }

    /** The identity headers plus a signature over them for {@code method target}, made by {@code signer} at {@code at}. */
    static Map<String, String> signed(GatewayIdentity signer, String method, String target, Instant at,
                                      Map<String, String> identity) {
        Map<String, String> headers = new LinkedHashMap<>(identity);
        signer.sign(method, URI.create("http://product-service" + target), at, identity::get, headers::put);
        return headers;
    }

    WebTestClient.ResponseSpec send(HttpMethod method, String target, Map<String, String> headers) {
        var request = client.method(method).uri(target).headers(h -> headers.forEach(h::set));
        return method == HttpMethod.POST
                ? request.contentType(MediaType.APPLICATION_JSON).bodyValue("{\"name\":\"Forged\",\"price\":1.00}").exchange()
                : request.exchange();
    }

    double refused(String reason) {
        var counter = meters.find("portcullis.identity.refused").tag("reason", reason).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void believesTheIdentityTheGatewaySignedWithThisServicesKey() {
        send(HttpMethod.GET, "/products/p-1?view=full",
                signed(GatewayIdentity.GATEWAY, "GET", "/products/p-1?view=full", Instant.now(), alice()))
                .expectStatus().isOk()
                .expectBody().jsonPath("$.id").isEqualTo("p-1");
        send(HttpMethod.POST, "/products",
                signed(GatewayIdentity.GATEWAY, "POST", "/products", Instant.now(), alice("products:write")))
                .expectStatus().isCreated();
    }

    @Test
    void refusesIdentityHeadersWithoutASignatureAndLogsItWithoutTheirValues(CapturedOutput output) {
        double before = refused("unsigned");

        send(HttpMethod.GET, "/products", alice())
                .expectStatus().isUnauthorized()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectHeader().valueEquals(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
                .expectBody().jsonPath("$.type").isEqualTo("urn:portcullis:problem:unauthenticated");

        assertThat(refused("unsigned")).isEqualTo(before + 1);
        assertThat(output.getOut()).contains("Refused the identity headers of a GET request (unsigned)")
                .doesNotContain("u-alice");
    }

    @Test
    void logsAndAnswersWithTheTraceIdTheGatewaySent(CapturedOutput output) {
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        Map<String, String> headers = alice();
        headers.put("traceparent", "00-" + traceId + "-00f067aa0ba902b7-01");

        send(HttpMethod.GET, "/products", headers)
                .expectStatus().isUnauthorized()
                .expectBody().jsonPath("$.trace_id").isEqualTo(traceId);

        // the service's own span continues the gateway's trace: its id is in the line's MDC (traceId)
        assertThat(output.getOut().lines().filter(line -> line.contains("Refused the identity headers")))
                .last().asString().contains(traceId);
    }

    @Test
    void refusesASignatureMadeWithAnotherKey(CapturedOutput output) {
        double before = refused("unknown-key");

        send(HttpMethod.GET, "/products", signed(GatewayIdentity.IMPOSTOR, "GET", "/products", Instant.now(), alice()))
                .expectStatus().isUnauthorized();

        assertThat(refused("unknown-key")).isEqualTo(before + 1);
        assertThat(output.getOut()).doesNotContain(GatewayIdentity.KEY).doesNotContain(GatewayIdentity.OTHER_KEY);
    }

    @Test
    void refusesAnotherKeysSignatureThatClaimsThisKeysId() {
        Map<String, String> forged = signed(GatewayIdentity.IMPOSTOR, "GET", "/products", Instant.now(), alice());
        String mac = IdentitySignature.parse(forged.get(IdentitySignature.SIGNATURE)).mac();
        forged.put(IdentitySignature.SIGNATURE, "v1." + GatewayIdentity.GATEWAY.signature().keyId() + "." + mac);
        double before = refused("bad-signature");

        send(HttpMethod.GET, "/products", forged).expectStatus().isUnauthorized();

        assertThat(refused("bad-signature")).isEqualTo(before + 1);
    }

    @Test
    void refusesAStaleSignatureAndOneFromTooFarInTheFuture() {
        double before = refused("stale");
        Instant now = Instant.now();

        send(HttpMethod.GET, "/products", signed(GatewayIdentity.GATEWAY, "GET", "/products", now.minusSeconds(40), alice()))
                .expectStatus().isUnauthorized();
        send(HttpMethod.GET, "/products", signed(GatewayIdentity.GATEWAY, "GET", "/products", now.plusSeconds(15), alice()))
                .expectStatus().isUnauthorized();
        // within max-age (30 s) plus the clock skew (5 s): still good
        send(HttpMethod.GET, "/products", signed(GatewayIdentity.GATEWAY, "GET", "/products", now.minusSeconds(25), alice()))
                .expectStatus().isOk();

        assertThat(refused("stale")).isEqualTo(before + 2);
    }

    @Test
    void refusesATamperedIdentityHeader() {
        Map<String, String> headers = signed(GatewayIdentity.GATEWAY, "POST", "/products", Instant.now(), alice("products:read"));
        headers.put(IdentityHeaders.USER_PERMISSIONS, "products:read,products:write");
        double before = refused("bad-signature");

        send(HttpMethod.POST, "/products", headers).expectStatus().isUnauthorized();

        assertThat(refused("bad-signature")).isEqualTo(before + 1);
        Map<String, String> otherUser = signed(GatewayIdentity.GATEWAY, "GET", "/products", Instant.now(), alice());
        otherUser.put(IdentityHeaders.USER_ID, "u-admin");
        send(HttpMethod.GET, "/products", otherUser).expectStatus().isUnauthorized();
        Map<String, String> added = signed(GatewayIdentity.GATEWAY, "GET", "/products", Instant.now(), alice());
        added.put(IdentityHeaders.USER_AMR, "mfa");
        send(HttpMethod.GET, "/products", added).expectStatus().isUnauthorized();
    }

    @Test
    void refusesASignatureMadeForAnotherRequest() {
        Map<String, String> forP1 = signed(GatewayIdentity.GATEWAY, "GET", "/products/p-1", Instant.now(), alice("products:write"));

        send(HttpMethod.GET, "/products/p-2", forP1).expectStatus().isUnauthorized();
        send(HttpMethod.POST, "/products", signed(GatewayIdentity.GATEWAY, "GET", "/products", Instant.now(),
                alice("products:write"))).expectStatus().isUnauthorized();
    }

    @Test
    void aSignedRequestWithoutIdentityCannotBeGivenOne() {
        Map<String, String> anonymous = signed(GatewayIdentity.GATEWAY, "GET", "/products", Instant.now(),
                Map.of(IdentityHeaders.REQUEST_ID, "req-2"));
        send(HttpMethod.GET, "/products", anonymous).expectStatus().isUnauthorized();

        anonymous.put(IdentityHeaders.USER_ID, "u-admin");
        double before = refused("bad-signature");
        send(HttpMethod.GET, "/products", anonymous).expectStatus().isUnauthorized();
        assertThat(refused("bad-signature")).isEqualTo(before + 1);
    }

    @Test
    void acceptsTheRetiringKeyDuringARotation() {
        GatewayIdentity retiring = new GatewayIdentity(RETIRING_KEY);

        send(HttpMethod.GET, "/products", signed(retiring, "GET", "/products", Instant.now(), alice()))
                .expectStatus().isOk();
    }

    @Test
    void refusesMalformedSignatureHeaders() {
        double before = refused("malformed");
        Map<String, String> noTimestamp = signed(GatewayIdentity.GATEWAY, "GET", "/products", Instant.now(), alice());
        noTimestamp.remove(IdentitySignature.TIMESTAMP);
        Map<String, String> garbage = signed(GatewayIdentity.GATEWAY, "GET", "/products", Instant.now(), alice());
        garbage.put(IdentitySignature.SIGNATURE, "garbage");

        send(HttpMethod.GET, "/products", noTimestamp).expectStatus().isUnauthorized();
        send(HttpMethod.GET, "/products", garbage).expectStatus().isUnauthorized();
        Map<String, String> good = signed(GatewayIdentity.GATEWAY, "GET", "/products", Instant.now(), alice());
        client.get().uri("/products").headers(h -> {
            good.forEach(h::set);
            h.add(IdentityHeaders.USER_ID, "u-admin"); // a second value nobody signed
        }).exchange().expectStatus().isUnauthorized();

        assertThat(refused("malformed")).isEqualTo(before + 3);
    }

    /** The attack identity signing stops: a compromised order-service adds x-user-* to its own service token. */
    @Test
    void aServiceCannotActAsAUserByAddingIdentityHeadersToItsServiceToken() {
        String serviceToken = new TokenFactory(TestKeys.RSA, JwksStub.ISSUER, "product-service", Clock.systemUTC())
                .forUser("order-service").audience("product-service").scope("products:read")
                .claim("client_id", "order-service")
                .without("username").without("role").without("permissions").without("amr").sign();
        Map<String, String> asAdmin = new LinkedHashMap<>(alice("products:write"));
        asAdmin.put(IdentityHeaders.USER_ID, "u-admin");
        asAdmin.put(HttpHeaders.AUTHORIZATION, "Bearer " + serviceToken);

        // still served as the service it is (products:read) ...
        send(HttpMethod.GET, "/products", asAdmin).expectStatus().isOk();
        // ... but never as the user it claims to be
        send(HttpMethod.POST, "/products", asAdmin).expectStatus().isForbidden()
                .expectBody().jsonPath("$.detail").value(detail -> assertThat(detail.toString()).contains("service token"));
    }

    @Test
    void refusesToStartWithoutAKeyOrWithAShortOneNamingTheSetting() {
        assertThatThrownBy(() -> new SpringApplicationBuilder(ProductServiceApplication.class)
                .run("--server.port=0", "--management.server.port=0", "--spring.jmx.enabled=false").close())
                .rootCause().hasMessageContaining("GATEWAY_IDENTITY_KEY").hasMessageContaining("not set");
        String weak = Base64.getEncoder().encodeToString(new byte[16]);
        assertThatThrownBy(() -> new SpringApplicationBuilder(ProductServiceApplication.class)
                .run("--server.port=0", "--management.server.port=0", "--spring.jmx.enabled=false",
                        "--portcullis.gateway-identity.key=" + weak).close())
                .rootCause().hasMessageContaining("GATEWAY_IDENTITY_KEY").hasMessageContaining("256 bits")
                .hasMessageNotContaining(weak);
    }
}
