package dev.portcullis.gateway.issuers;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import com.nimbusds.jose.jwk.RSAKey;
import dev.portcullis.contract.IdentityHeaders;
import dev.portcullis.contract.IdentitySignature;
import dev.portcullis.contract.RevocationKeys;
import dev.portcullis.contract.RevocationMessage;
import dev.portcullis.gateway.support.GatewayIntegrationTest;
import dev.portcullis.testsupport.GatewayIdentity;
import dev.portcullis.testsupport.TestKeys;
import dev.portcullis.testsupport.TestRevocations;
import dev.portcullis.testsupport.TokenFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import dev.portcullis.gateway.keys.JwksHealthIndicator;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.route.builder.RouteLocatorBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Several trusted issuers side by side, each with the claim shape and {@code typ} of a real identity provider, mapped
 * by configuration only: Keycloak (roles under {@code realm_access} and {@code resource_access}, {@code azp},
 * {@code typ: JWT}), Entra ID ({@code oid} as subject, {@code scp}, {@code uti} as token id), Auth0 (a namespaced role
 * claim with dots in its name, {@code permissions}, no token id) — next to Portcullis' own issuer. The Keycloak key
 * shares its kid with Portcullis' key on purpose: a kid selects a key in the token's own issuer's set only.
 */
@Import(MultiIssuerIntegrationTest.DslRoutes.class)
class MultiIssuerIntegrationTest extends GatewayIntegrationTest {

    static final String KEYCLOAK = "http://keycloak.test/realms/corp";
    static final String ENTRA = "https://login.microsoftonline.test/7a1c-tenant/v2.0";
    static final String AUTH0 = "https://portcullis-test.eu.auth0.test/";
    static final String AUTH0_ROLES = "https://portcullis.dev/roles";
    /** Keycloak's key, under the same kid as Portcullis' own key. */
    static final RSAKey KEYCLOAK_KEY = TestKeys.rsa(TestKeys.RSA.getKeyID());
    static final RSAKey ENTRA_KEY = TestKeys.rsa("entra-key-1");
    static final RSAKey AUTH0_KEY = TestKeys.rsa("auth0-key-1");

    static final TokenFactory keycloak = new TokenFactory(KEYCLOAK_KEY, KEYCLOAK, AUDIENCE, clock);
    static final TokenFactory entra = new TokenFactory(ENTRA_KEY, ENTRA, "api://portcullis", clock);
    static final TokenFactory auth0 = new TokenFactory(AUTH0_KEY, AUTH0, AUDIENCE, clock);

    @DynamicPropertySource
    static void issuers(DynamicPropertyRegistry registry) {
        String base = upstream.baseUrl();
        String kc = "portcullis.jwt.issuers.corp-keycloak.";
        registry.add(kc + "issuer", () -> KEYCLOAK);
        registry.add(kc + "jwks-uri", () -> base + "/kc/certs");
        registry.add(kc + "audiences", () -> AUDIENCE);
        registry.add(kc + "typ", () -> "jwt");
        registry.add(kc + "claims.roles", () -> "realm_access.roles,resource_access.portcullis.roles");
        registry.add(kc + "claims.role-prefix", () -> "ROLE_");
        registry.add(kc + "claims.client-id", () -> "azp");
        registry.add(kc + "claims.mfa-acr", () -> "2");
        registry.add(kc + "claims.mfa-amr", () -> "");
        String en = "portcullis.jwt.issuers.entra.";
        registry.add(en + "issuer", () -> ENTRA);
        registry.add(en + "jwks-uri", () -> base + "/entra/keys");
        registry.add(en + "audiences", () -> "api://portcullis");
        registry.add(en + "typ", () -> "jwt");
        registry.add(en + "claims.subject", () -> "oid");
        registry.add(en + "claims.token-id", () -> "uti");
        registry.add(en + "claims.roles", () -> "roles");
        registry.add(en + "claims.scopes", () -> "scp");
        registry.add(en + "claims.client-id", () -> "azp");
        String a0 = "portcullis.jwt.issuers.auth0.";
        registry.add(a0 + "issuer", () -> AUTH0);
        registry.add(a0 + "jwks-uri", () -> base + "/auth0/jwks.json");
        registry.add(a0 + "audiences", () -> AUDIENCE);
        registry.add(a0 + "typ", () -> "jwt");
        registry.add(a0 + "claims.roles", () -> AUTH0_ROLES);
        registry.add(a0 + "claims.token-id", () -> "");
        registry.add(a0 + "claims.client-id", () -> "azp");
    }

    /** Routes of an application's own Java DSL: their policy comes from their metadata, as a YAML route's does. */
    @TestConfiguration(proxyBeanMethods = false)
    static class DslRoutes {
        @Bean
        RouteLocator issuerRoutes(RouteLocatorBuilder routes) {
            return routes.routes()
                    .route("it-keycloak-only", r -> r.path("/it/keycloak-only/**")
                            .metadata("policy", Map.of("issuers", List.of("corp-keycloak"), "roles", List.of("admin")))
                            .uri(upstream.baseUrl()))
                    .route("it-mfa", r -> r.path("/it/mfa/**")
                            .metadata("policy", Map.of("mfa", true))
                            .uri(upstream.baseUrl()))
                    .build();
        }
    }

    @BeforeEach
    void publishEachIssuersKeys() {
        serve("/kc/certs", KEYCLOAK_KEY);
        serve("/entra/keys", ENTRA_KEY);
        serve("/auth0/jwks.json", AUTH0_KEY);
        await().atMost(Duration.ofSeconds(20)).until(() -> management().get().uri("/actuator/health/readiness")
                .exchange().returnResult(String.class).getStatus().is2xxSuccessful());
    }

    private static void serve(String path, RSAKey key) {
        upstream.stubFor(get(urlPathEqualTo(path)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(TestKeys.jwksJson(key))));
    }

    private static TokenFactory.Token keycloakToken(String subject) {
        return keycloak.forUser(subject).type("JWT").without("role").without("permissions").without("client_id")
                .without("amr")
                .claim("realm_access", Map.of("roles", List.of("ROLE_admin", "offline_access")))
                .claim("resource_access", Map.of("portcullis", Map.of("roles", List.of("orders-viewer"))))
                .claim("azp", "corp-portal").scope("openid orders:read").claim("acr", "1");
    }

    @Test
    void aKeycloakTokenIsMappedFromItsNestedRolesAndForwardedWithItsIssuer() {
        getWithToken("/api/users/me", keycloakToken("kc-alice").sign()).exchange().expectStatus().isOk();

        LoggedRequest call = upstream.findAll(getRequestedFor(urlPathEqualTo("/users/me"))).getLast();
        assertThat(call.getHeader(IdentityHeaders.USER_ID)).isEqualTo("kc-alice");
        assertThat(call.getHeader(IdentityHeaders.USER_ROLE)).isEqualTo("admin,offline_access,orders-viewer");
        assertThat(call.getHeader(IdentityHeaders.USER_SCOPES)).isEqualTo("openid,orders:read");
        assertThat(call.getHeader(IdentityHeaders.USER_ISSUER)).isEqualTo("corp-keycloak");
        // the signature covers the issuer: the user-service believes this identity, and would not without it
        assertThat(signatureVerifies(call, null)).isTrue();
        assertThat(signatureVerifies(call, IdentityHeaders.USER_ISSUER)).as("issuer header dropped").isFalse();
    }

    @Test
    void anEntraIdTokenIsMappedFromOidScpAndRolesWithUtiAsItsId() {
        String token = entra.forUser("pairwise-sub").type("JWT").without("role").without("permissions").without("jti")
                .without("scope").without("client_id").claim("oid", "0f8c-user").claim("uti", "AbCdEf123")
                .claim("roles", List.of("Orders.Read")).claim("scp", "orders.read profile").claim("azp", "spa-client")
                .sign();

        getWithToken("/api/users/me", token).exchange().expectStatus().isOk();

        LoggedRequest call = upstream.findAll(getRequestedFor(urlPathEqualTo("/users/me"))).getLast();
        assertThat(call.getHeader(IdentityHeaders.USER_ID)).isEqualTo("0f8c-user");
        assertThat(call.getHeader(IdentityHeaders.USER_ROLE)).isEqualTo("Orders.Read");
        assertThat(call.getHeader(IdentityHeaders.USER_SCOPES)).isEqualTo("orders.read,profile");
        assertThat(call.getHeader(IdentityHeaders.USER_ISSUER)).isEqualTo("entra");
    }

    @Test
    void anAuth0TokenWithANamespacedRoleClaimAndNoTokenIdIsMappedAndPoliciesUseItsPermissions() {
        String token = auth0.forUser("auth0|64f1").without("role").without("jti").without("client_id")
                .claim(AUTH0_ROLES, List.of("support")).permissions("products:read").claim("azp", "m2m-client").sign();

        getWithToken("/api/products/p-1", token).exchange().expectStatus().isOk();

        LoggedRequest call = upstream.findAll(getRequestedFor(urlPathEqualTo("/products/p-1"))).getLast();
        assertThat(call.getHeader(IdentityHeaders.USER_ID)).isEqualTo("auth0|64f1");
        assertThat(call.getHeader(IdentityHeaders.USER_ROLE)).isEqualTo("support");
        assertThat(call.getHeader(IdentityHeaders.USER_PERMISSIONS)).isEqualTo("products:read");
        assertThat(call.getHeader(IdentityHeaders.USER_ISSUER)).isEqualTo("auth0");
    }

    @Test
    void portcullisOwnTokensKeepTheirHeadersAsTheyWereWithoutAnIssuerHeader() {
        getWithToken("/api/users/me", tokens.forUser("u-own").role("user").sign()).exchange().expectStatus().isOk();

        LoggedRequest call = upstream.findAll(getRequestedFor(urlPathEqualTo("/users/me"))).getLast();
        assertThat(call.getHeader(IdentityHeaders.USER_ID)).isEqualTo("u-own");
        assertThat(call.getHeader(IdentityHeaders.USER_ROLE)).isEqualTo("user");
        assertThat(call.containsHeader(IdentityHeaders.USER_ISSUER)).isFalse();
        assertThat(call.getHeader(IdentitySignature.SIGNATURE)).isNotNull();
        assertThat(signatureVerifies(call, null)).isTrue();
    }

    @Test
    void aRouteThatNamesItsIssuersRefusesEveryOtherIssuersValidTokens() {
        client.get().uri("/it/keycloak-only/x").header("Authorization", "Bearer " + keycloakToken("kc-bob").sign())
                .exchange().expectStatus().isOk();
        client.get().uri("/it/keycloak-only/y").header("Authorization", "Bearer " + tokens.forUser("u-1").role("admin").sign())
                .exchange().expectStatus().isUnauthorized()
                .expectHeader().valueMatches("WWW-Authenticate", ".*error=\"invalid_token\".*")
                .expectBody().jsonPath("$.detail").isEqualTo("This route does not accept tokens of this issuer");

        assertThat(upstream.findAll(getRequestedFor(urlPathEqualTo("/it/keycloak-only/x")))).hasSize(1);
        assertThat(upstream.findAll(getRequestedFor(urlPathEqualTo("/it/keycloak-only/y")))).isEmpty();
        await().atMost(Duration.ofSeconds(5)).until(() ->
                metric("portcullis_gateway_rejections_total", "reason=\"issuer_not_accepted\"") > 0);
    }

    @Test
    void mfaIsReadFromAcrForAnIssuerThatSaysSo() {
        client.get().uri("/it/mfa/a").header("Authorization", "Bearer " + keycloakToken("kc-1").sign())
                .exchange().expectStatus().isForbidden();
        client.get().uri("/it/mfa/b").header("Authorization", "Bearer " + keycloakToken("kc-1").claim("acr", "2").sign())
                .exchange().expectStatus().isOk();
        // an amr of "mfa" means nothing from Keycloak here: only its acr is mapped
        client.get().uri("/it/mfa/c").header("Authorization", "Bearer " + keycloakToken("kc-1").amr("mfa").sign())
                .exchange().expectStatus().isForbidden();

        assertThat(upstream.findAll(getRequestedFor(urlPathEqualTo("/it/mfa/b")))).hasSize(1);
        assertThat(upstream.findAll(getRequestedFor(urlPathEqualTo("/it/mfa/a")))).isEmpty();
    }

    @Test
    void aKidSharedByTwoIssuersNeverSelectsTheOtherIssuersKey() {
        // Keycloak's iss, signed with Portcullis' key under the kid both sets have: Keycloak's key does not verify it
        String portcullisKeyAsKeycloak = keycloakToken("kc-eve").signedWith(TestKeys.RSA).sign();
        // and the reverse: Portcullis' iss, signed with Keycloak's key under the same kid
        String keycloakKeyAsPortcullis = tokens.forUser("u-eve").signedWith(KEYCLOAK_KEY).sign();
        // an issuer's kid that only another issuer has is unknown to it
        String entraKidAsKeycloak = keycloakToken("kc-eve").signedWith(ENTRA_KEY).sign();

        expectRefused(portcullisKeyAsKeycloak, "bad_signature");
        expectRefused(keycloakKeyAsPortcullis, "bad_signature");
        expectRefused(entraKidAsKeycloak, "unknown_key");
        assertThat(upstream.findAll(getRequestedFor(urlPathEqualTo("/users/me")))).isEmpty();
    }

    @Test
    void eachIssuersOwnRulesApplyToItsTokens() {
        // Entra's audience is not Keycloak's
        expectRefused(keycloak.forUser("kc-x").type("JWT").audience("api://portcullis").sign(), "wrong_audience");
        // typ at+jwt is Portcullis' rule, JWT is accepted where the issuer says so
        expectRefused(tokens.forUser("u-x").type("JWT").sign(), "wrong_type");
        getWithToken("/api/users/me", keycloakToken("kc-y").type(null).sign()).exchange().expectStatus().isOk();
        // an iss no issuer has
        expectRefused(keycloak.forUser("kc-z").type("JWT").issuer("http://keycloak.test/realms/other").sign(), "unknown_issuer");
        // a mapped subject that is missing, and a mapped claim of the wrong shape
        expectRefused(entra.forUser("s").type("JWT").claim("uti", "u1").sign(), "missing_claim");
        expectRefused(keycloakToken("kc-w").claim("realm_access", Map.of("roles", "admin, root")).sign(), "unsafe_claim");
        expectRefused(keycloakToken("kc-v").claim("realm_access", Map.of("roles", List.of(Map.of("x", 1)))).sign(), "unsafe_claim");
    }

    @Test
    void revocationsOfTwoIssuersNeverCollideEvenForTheSameJtiAndSubject() {
        String own = tokens.forUser("same-sub").jti("same-jti").sign();
        String kc = keycloakToken("same-sub").jti("same-jti").sign();
        getWithToken("/api/users/me", own).exchange().expectStatus().isOk();
        getWithToken("/api/users/me", kc).exchange().expectStatus().isOk();

        long expires = clock.instant().plus(Duration.ofMinutes(15)).toEpochMilli();
        write(new RevocationMessage.TokenRevoked("same-jti", expires, 0, "corp-keycloak"));
        assertThat(redis().exists(RevocationKeys.ISSUER_PREFIX + "corp-keycloak:jti:same-jti")).isEqualTo(1L);

        await().atMost(Duration.ofSeconds(1)).untilAsserted(() ->
                getWithToken("/api/users/me", kc).exchange().expectStatus().isUnauthorized());
        getWithToken("/api/users/me", own).exchange().expectStatus().isOk();

        write(new RevocationMessage.SubjectRevoked("same-sub", clock.millis() + 1000));
        await().atMost(Duration.ofSeconds(1)).untilAsserted(() ->
                getWithToken("/api/users/me", own).exchange().expectStatus().isUnauthorized());
        String kcOtherJti = keycloakToken("same-sub").sign();
        getWithToken("/api/users/me", kcOtherJti).exchange().expectStatus().isOk();
    }

    @Test
    void anIssuerWithoutTokenIdsCanBeRevokedBySubject() {
        String token = auth0.forUser("auth0|revoke-me").without("jti").without("role").sign();
        getWithToken("/api/users/me", token).exchange().expectStatus().isOk();

        write(new RevocationMessage.SubjectRevoked("auth0|revoke-me", clock.millis() + 1000, 0, "auth0"));

        await().atMost(Duration.ofSeconds(1)).untilAsserted(() ->
                getWithToken("/api/users/me", token).exchange().expectStatus().isUnauthorized()
                        .expectBody().jsonPath("$.detail").isEqualTo("The access token was revoked by a sign-out of all sessions"));
    }

    @Autowired
    JwksHealthIndicator jwksHealth;

    @Test
    void readinessReportsEachIssuersKeySet() {
        management().get().uri("/actuator/health/readiness").exchange().expectStatus().isOk();
        Health health = jwksHealth.health().block(Duration.ofSeconds(5));

        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).containsOnlyKeys("portcullis", "corp-keycloak", "entra", "auth0");
        assertThat(metric("portcullis_jwks_fetches_total", "issuer=\"corp-keycloak\"", "outcome=\"success\"")).isPositive();
    }

    @Test
    void aKeyPulledFromOneIssuersJwksEvictsOnlyThatIssuersCachedTokensEvenUnderAKidAnotherIssuerShares() {
        String own = tokens.forUser("u-kid-twin").sign();
        String kc = keycloakToken("kc-kid-twin").sign();
        getWithToken("/api/users/me", own).exchange().expectStatus().isOk();
        getWithToken("/api/users/me", kc).exchange().expectStatus().isOk();

        // Keycloak pulls its key (the kid Portcullis' own key has too)
        upstream.stubFor(get(urlPathEqualTo("/kc/certs")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(TestKeys.jwksJson())));
        await().atMost(Duration.ofSeconds(25)).untilAsserted(() ->
                getWithToken("/api/users/me", kc).exchange().expectStatus().isUnauthorized());

        // Portcullis' token under the same kid is still answered from the cache: no signature is checked again
        double checksBefore = metric("portcullis_jwt_signature_checks_total");
        getWithToken("/api/users/me", own).exchange().expectStatus().isOk();
        assertThat(metric("portcullis_jwt_signature_checks_total")).isEqualTo(checksBefore);

        // Keycloak publishes its key again: its tokens verify again (the unknown kid refetches it)
        serve("/kc/certs", KEYCLOAK_KEY);
        await().atMost(Duration.ofSeconds(40)).untilAsserted(() ->
                getWithToken("/api/users/me", keycloakToken("kc-kid-twin").sign()).exchange().expectStatus().isOk());
    }

    /** Whether the user-service's key verifies what it received, with {@code dropped} removed (null: as received). */
    private static boolean signatureVerifies(LoggedRequest received, String dropped) {
        GatewayIdentity users = new GatewayIdentity(GatewayIdentity.key("users"));
        return users.verifies(received.getHeader(IdentitySignature.SIGNATURE), received.getHeader(IdentitySignature.TIMESTAMP),
                received.getMethod().getName(), received.getUrl(),
                name -> !name.equals(dropped) && received.containsHeader(name) ? received.getHeader(name) : null);
    }

    private void expectRefused(String token, String reason) {
        double before = metric("portcullis_gateway_rejections_total", "reason=\"" + reason + "\"");
        getWithToken("/api/users/me", token).exchange().expectStatus().isUnauthorized()
                .expectHeader().valueMatches("WWW-Authenticate", ".*error=\"invalid_token\".*");
        // counted when the exchange completes, which may be just after the client has read the answer
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(metric("portcullis_gateway_rejections_total", "reason=\"" + reason + "\"")).as(reason).isGreaterThan(before));
    }

    private static void write(RevocationMessage revocation) {
        TestRevocations.write(redis(), revocation);
    }
}
