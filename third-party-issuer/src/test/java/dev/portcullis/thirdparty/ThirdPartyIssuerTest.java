package dev.portcullis.thirdparty;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The test issuer as the gateway and a client see it, over HTTP: tokens from the {@code client_credentials} grant
 * carrying the configured {@code iss}, {@code aud}, {@code scope} and {@code roles}, signed by a key that the served
 * JWKS holds and the discovery document points at; bad credentials refused.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "management.server.port=0",
        // on purpose not this server's address: the `iss` is what is configured, whatever Host a caller uses
        "third-party.issuer=http://issuer.partner.test:9100",
        "third-party.token-lifetime=2m",
        "third-party.clients[0].id=partner-app",
        "third-party.clients[0].secret=" + ThirdPartyIssuerTest.PARTNER_SECRET,
        "third-party.clients[0].scopes=products:read,orders:read",
        "third-party.clients[0].audiences=portcullis",
        "third-party.clients[0].roles=partner,auditor",
        "third-party.clients[1].id=elsewhere-app",
        "third-party.clients[1].secret=" + ThirdPartyIssuerTest.ELSEWHERE_SECRET,
        "third-party.clients[1].scopes=products:read",
        "third-party.clients[1].audiences=another-api",
})
@ExtendWith(OutputCaptureExtension.class)
class ThirdPartyIssuerTest {

    static final String PARTNER_SECRET = "partner-secret-4f1d8a";
    static final String ELSEWHERE_SECRET = "elsewhere-secret-9c2e71";
    private static final String ISSUER = "http://issuer.partner.test:9100";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @LocalServerPort
    int port;

    @LocalManagementPort
    int managementPort;

    @Test
    void issuesAClientCredentialsTokenWithTheConfiguredIssuerAudienceScopeAndRoles() throws Exception {
        HttpResponse<String> response = token("partner-app", PARTNER_SECRET, "products:read");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        Map<String, Object> body = JSONObjectUtils.parse(response.body());
        assertThat(body).containsEntry("token_type", "Bearer").containsEntry("scope", "products:read");
        SignedJWT jwt = SignedJWT.parse((String) body.get("access_token"));
        assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.RS256);
        assertThat(jwt.getHeader().getKeyID()).isNotBlank();
        // Spring Authorization Server writes no `typ` (a gateway trusting it must accept tokens without at+jwt)
        assertThat(jwt.getHeader().getType()).isNull();
        JWTClaimsSet claims = jwt.getJWTClaimsSet();
        assertThat(claims.getIssuer()).isEqualTo(ISSUER);
        assertThat(claims.getAudience()).containsExactly("portcullis");
        assertThat(claims.getSubject()).isEqualTo("partner-app");
        assertThat(claims.getStringClaim("client_id")).isEqualTo("partner-app");
        assertThat(claims.getStringListClaim("scope")).containsExactly("products:read");
        assertThat(claims.getStringListClaim("roles")).containsExactly("partner", "auditor");
        assertThat(claims.getJWTID()).isNotBlank();
        assertThat(Duration.between(claims.getIssueTime().toInstant(), claims.getExpirationTime().toInstant()))
                .isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void eachClientsTokensCarryThatClientsAudienceAndNoRolesWhenItHasNone() throws Exception {
        HttpResponse<String> response = token("elsewhere-app", ELSEWHERE_SECRET, "products:read");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JWTClaimsSet claims = SignedJWT.parse(accessToken(response)).getJWTClaimsSet();
        assertThat(claims.getAudience()).containsExactly("another-api");
        assertThat(claims.getSubject()).isEqualTo("elsewhere-app");
        assertThat(claims.getClaims()).doesNotContainKey("roles");
    }

    @Test
    void theTokenVerifiesAgainstTheKeySetTheDiscoveryDocumentNames() throws Exception {
        SignedJWT jwt = SignedJWT.parse(accessToken(token("partner-app", PARTNER_SECRET, "products:read")));

        Map<String, Object> discovery = JSONObjectUtils.parse(get("/.well-known/openid-configuration").body());
        assertThat(discovery).containsEntry("issuer", ISSUER)
                .containsEntry("jwks_uri", ISSUER + "/oauth2/jwks")
                .containsEntry("token_endpoint", ISSUER + "/oauth2/token");
        assertThat(JSONObjectUtils.getStringList(discovery, "grant_types_supported")).contains("client_credentials");
        // the discovery document names the configured issuer's host; this test reaches the same server locally
        HttpResponse<String> jwks = get(URI.create((String) discovery.get("jwks_uri")).getPath());
        assertThat(jwks.statusCode()).isEqualTo(200);
        JWKSet keys = JWKSet.parse(jwks.body());

        RSAKey key = (RSAKey) keys.getKeyByKeyId(jwt.getHeader().getKeyID());
        assertThat(key).as("the token's kid in %s", jwks.body()).isNotNull();
        assertThat(key.isPrivate()).isFalse();
        assertThat(jwks.body()).doesNotContain("\"d\"", "\"p\"", "\"q\"");
        assertThat(jwt.verify(new RSASSAVerifier(key))).isTrue();
    }

    @Test
    void aWrongSecretOrAnUnknownClientIsRefusedWith401AndNoToken() throws Exception {
        HttpResponse<String> wrongSecret = token("partner-app", "not-the-secret", "products:read");
        HttpResponse<String> otherClientsSecret = token("partner-app", ELSEWHERE_SECRET, "products:read");
        HttpResponse<String> unknownClient = token("nobody", PARTNER_SECRET, "products:read");

        for (HttpResponse<String> refused : java.util.List.of(wrongSecret, otherClientsSecret, unknownClient)) {
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(401);
            assertThat(refused.body()).doesNotContain("access_token");
        }
        assertThat(token("partner-app", PARTNER_SECRET, "products:read").statusCode()).isEqualTo(200);
    }

    @Test
    void aScopeTheClientWasNotGivenIsRefused() throws Exception {
        HttpResponse<String> response = token("elsewhere-app", ELSEWHERE_SECRET, "orders:read");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JSONObjectUtils.parse(response.body())).containsEntry("error", "invalid_scope");
    }

    @Test
    void theManagementPortAnswersReadinessWithoutCredentials() throws Exception {
        HttpResponse<String> readiness = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + managementPort + "/actuator/health/readiness")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(readiness.statusCode()).as(readiness.body()).isEqualTo(200);
    }

    @Test
    void theLogNamesTheKeyAndTheClientsButNoSecret(CapturedOutput output) throws Exception {
        assertThat(token("partner-app", PARTNER_SECRET, "products:read").statusCode()).isEqualTo(200);
        assertThat(token("partner-app", "not-the-secret", "products:read").statusCode()).isEqualTo(401);

        assertThat(output.getAll()).contains("kid=", "partner-app", "elsewhere-app")
                .doesNotContain(PARTNER_SECRET, ELSEWHERE_SECRET, "not-the-secret");
    }

    private HttpResponse<String> token(String clientId, String secret, String scope) throws Exception {
        String credentials = Base64.getEncoder().encodeToString((clientId + ":" + secret).getBytes(StandardCharsets.UTF_8));
        String form = "grant_type=client_credentials&scope=" + URLEncoder.encode(scope, StandardCharsets.UTF_8);
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/oauth2/token"))
                .header("Authorization", "Basic " + credentials)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String accessToken(HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return (String) JSONObjectUtils.parse(response.body()).get("access_token");
    }
}
