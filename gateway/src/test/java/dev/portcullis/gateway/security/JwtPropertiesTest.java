package dev.portcullis.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** The issuers configuration as an operator writes it: bound by Spring's binder, refused with the failing key named. */
class JwtPropertiesTest {

    private static final Map<String, String> DEFAULT_ISSUER = Map.of(
            "portcullis.jwt.issuer", "http://localhost:8080",
            "portcullis.jwt.jwks-uri", "http://localhost:9000/.well-known/jwks.json",
            "portcullis.jwt.audiences", "portcullis");

    @Test
    void theDefaultIssuerAndAKeycloakIssuerBindWithTheirDefaults() {
        JwtProperties jwt = bind(with(DEFAULT_ISSUER, Map.of(
                "portcullis.jwt.issuers.corp-keycloak.issuer", "https://sso.example.com/realms/corp",
                "portcullis.jwt.issuers.corp-keycloak.discovery", "true",
                "portcullis.jwt.issuers.corp-keycloak.audiences", "portcullis,account",
                "portcullis.jwt.issuers.corp-keycloak.typ", "jwt",
                "portcullis.jwt.issuers.corp-keycloak.claims.roles", "realm_access.roles,resource_access.portcullis.roles")));

        assertThat(jwt.trustedIssuers()).containsOnlyKeys("portcullis", "corp-keycloak");
        JwtProperties.Issuer own = jwt.trustedIssuers().get("portcullis");
        assertThat(own.typ()).isEqualTo(JwtProperties.TokenType.AT_JWT);
        assertThat(own.claims()).isEqualTo(JwtProperties.Claims.DEFAULT);
        JwtProperties.Issuer corp = jwt.issuers().get("corp-keycloak");
        assertThat(corp.typ()).isEqualTo(JwtProperties.TokenType.JWT);
        assertThat(corp.discoveryUri()).isEqualTo(URI.create("https://sso.example.com/realms/corp/.well-known/openid-configuration"));
        assertThat(corp.algorithms()).containsExactly("RS256");
        assertThat(corp.clockSkew()).isEqualTo(Duration.ofSeconds(30));
        assertThat(corp.maxTokenLifetime()).isEqualTo(Duration.ofHours(1));
        assertThat(corp.claims().roles()).containsExactly("realm_access.roles", "resource_access.portcullis.roles");
        assertThat(corp.claims().subject()).isEqualTo("sub");
        assertThat(corp.claims().tokenId()).isEqualTo("jti");
        assertThat(corp.claims().scopes()).containsExactly("scope");
        assertThat(corp.claims().mfaAmr()).containsExactly("mfa");
    }

    @Test
    void onlyOtherIssuersMayBeTrustedWithoutPortcullisOwn() {
        JwtProperties jwt = bind(Map.of(
                "portcullis.jwt.issuers.partner.issuer", "https://partner.example",
                "portcullis.jwt.issuers.partner.jwks-uri", "https://partner.example/jwks",
                "portcullis.jwt.issuers.partner.audiences", "portcullis"));

        assertThat(jwt.trustedIssuers()).containsOnlyKeys("partner");
        assertThat(jwt.longestTokenLifetime()).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void everyMistakeNamesTheKeyThatIsWrong() {
        String p = "portcullis.jwt.issuers.corp.";
        Map<String, String> corp = Map.of(p + "issuer", "https://sso.example", p + "jwks-uri", "https://sso.example/certs",
                p + "audiences", "portcullis");
        refused(Map.of(), "no issuer is trusted");
        refused(with(corp, Map.of(p + "algorithms", "HS256")), p + "algorithms: 'HS256' is not allowed");
        refused(with(corp, Map.of(p + "clock-skew", "10m")), p + "clock-skew must be between 0s and 5m");
        refused(with(corp, Map.of(p + "discovery", "true")), "portcullis.jwt.issuers.corp: set either jwks-uri or discovery");
        refused(with(corp, Map.of(p + "jwks-uri", "file:///etc/keys")), p + "jwks-uri must be an http(s) URL");
        refused(with(corp, Map.of(p + "audiences", "")), p + "audiences must name at least one audience");
        refused(with(corp, Map.of(p + "claims.roles", "realm_access..roles")), p + "claims.roles[0]");
        refused(Map.of(p + "issuer", "https://sso.example", p + "audiences", "x"), p + "jwks-uri must be set");
        refused(Map.of("portcullis.jwt.issuers.Corp.issuer", "https://sso.example"),
                "portcullis.jwt.issuers.Corp: 'Corp' is not an issuer id");
        refused(with(DEFAULT_ISSUER, Map.of("portcullis.jwt.issuers.portcullis.issuer", "https://sso.example",
                "portcullis.jwt.issuers.portcullis.jwks-uri", "https://sso.example/certs",
                "portcullis.jwt.issuers.portcullis.audiences", "x")), "is the default issuer's");
        refused(with(DEFAULT_ISSUER, Map.of(p + "issuer", "http://localhost:8080", p + "jwks-uri", "https://sso.example/certs",
                p + "audiences", "x")), p + "issuer: 'http://localhost:8080' is already the issuer 'portcullis'");
    }

    private static void refused(Map<String, String> properties, String message) {
        assertThatThrownBy(() -> bind(properties)).hasStackTraceContaining(message);
    }

    @SafeVarargs
    private static Map<String, String> with(Map<String, String>... parts) {
        Map<String, String> all = new LinkedHashMap<>();
        for (Map<String, String> part : parts) {
            all.putAll(part);
        }
        return all;
    }

    private static JwtProperties bind(Map<String, String> properties) {
        return new Binder(new MapConfigurationPropertySource(properties))
                .bindOrCreate("portcullis.jwt", Bindable.of(JwtProperties.class));
    }

    @Test
    void claimPathsMayBeListedOneByOne() {
        JwtProperties jwt = bind(with(DEFAULT_ISSUER, Map.of(
                "portcullis.jwt.issuers.entra.issuer", "https://login.example/t/v2.0",
                "portcullis.jwt.issuers.entra.jwks-uri", "https://login.example/t/keys",
                "portcullis.jwt.issuers.entra.audiences", "api://portcullis",
                "portcullis.jwt.issuers.entra.claims.scopes[0]", "scp",
                "portcullis.jwt.issuers.entra.claims.token-id", "uti")));

        assertThat(jwt.issuers().get("entra").claims().scopes()).isEqualTo(List.of("scp"));
        assertThat(jwt.issuers().get("entra").claims().tokenId()).isEqualTo("uti");
    }
}
