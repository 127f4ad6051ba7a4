package dev.portcullis.auth.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.auth.support.AuthServiceTestBase;
import dev.portcullis.contract.TokenClaims;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

class ClientCredentialsTest extends AuthServiceTestBase {

    private static final String ORDER_SERVICE = basic("order-service", "order-service-secret");

    @Test
    void issuesAServiceTokenForTheClientsAudienceAndScopes() throws Exception {
        @SuppressWarnings("unchecked")
        Map<String, Object> body = token(ORDER_SERVICE, "grant_type=client_credentials")
                .expectStatus().isOk()
                .expectHeader().cacheControl(org.springframework.http.CacheControl.noStore())
                .expectBody(Map.class).returnResult().getResponseBody();
        assertThat(body).containsEntry("token_type", "Bearer").containsEntry("expires_in", 300)
                .containsEntry("scope", "products:read");
        SignedJWT jwt = SignedJWT.parse((String) body.get("access_token"));
        assertThat(jwt.getHeader().getType().getType()).isEqualTo("at+jwt");
        assertThat(jwt.getHeader().getKeyID()).isEqualTo(keyManager.signingKey().getKeyID());
        var claims = jwt.getJWTClaimsSet();
        assertThat(claims.getSubject()).isEqualTo("order-service");
        assertThat(claims.getStringClaim(TokenClaims.CLIENT_ID)).isEqualTo("order-service");
        assertThat(claims.getAudience()).containsExactly("product-service");
        assertThat(claims.getStringClaim(TokenClaims.SCOPE)).isEqualTo("products:read");
        assertThat(claims.getIssuer()).isEqualTo("http://localhost:8080");
        assertThat(claims.getNotBeforeTime()).isEqualTo(claims.getIssueTime());
        assertThat(claims.getExpirationTime().toInstant()).isEqualTo(claims.getIssueTime().toInstant().plusSeconds(300));
        assertThat(claims.getClaims()).doesNotContainKeys(TokenClaims.USERNAME, TokenClaims.ROLE,
                TokenClaims.PERMISSIONS, TokenClaims.AUTH_METHODS);
        assertThat(claims.getJWTID()).isNotBlank();
    }

    @Test
    void narrowsScopeAndPicksAnAllowedAudienceOnRequest() throws Exception {
        String reporting = basic("reporting", "order-service-secret");
        Map<?, ?> body = token(reporting, "grant_type=client_credentials&scope=orders:read&audience=order-service")
                .expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();
        var claims = SignedJWT.parse((String) body.get("access_token")).getJWTClaimsSet();
        assertThat(claims.getAudience()).containsExactly("order-service");
        assertThat(claims.getStringClaim(TokenClaims.SCOPE)).isEqualTo("orders:read");
        assertThat(body.get("expires_in")).isEqualTo(120);
    }

    @Test
    void refusesScopesAndAudiencesBeyondTheClientsOwn() {
        token(ORDER_SERVICE, "grant_type=client_credentials&scope=products:write")
                .expectStatus().isBadRequest()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.error").isEqualTo("invalid_scope");
        token(ORDER_SERVICE, "grant_type=client_credentials&audience=user-service")
                .expectStatus().isBadRequest().expectBody().jsonPath("$.error").isEqualTo("invalid_target");
    }

    @Test
    void answersAProblemDetailWithTheOAuthErrorAsATopLevelMember() {
        token(ORDER_SERVICE, "grant_type=client_credentials&scope=products:write")
                .expectStatus().isBadRequest()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.type").isNotEmpty()
                .jsonPath("$.title").isNotEmpty()
                .jsonPath("$.status").isEqualTo(400)
                .jsonPath("$.detail").isNotEmpty()
                .jsonPath("$.instance").isEqualTo("/oauth2/token")
                .jsonPath("$.error").isEqualTo("invalid_scope")
                .jsonPath("$.properties").doesNotExist();
    }

    @Test
    void refusesWrongUnknownAndMissingClientCredentials() {
        for (String auth : new String[] {basic("order-service", "wrong"), basic("nobody", "order-service-secret"),
                "Basic !!!", "Bearer abc"}) {
            token(auth, "grant_type=client_credentials")
                    .expectStatus().isUnauthorized()
                    .expectHeader().valueEquals(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"portcullis\"")
                    .expectBody().jsonPath("$.error").isEqualTo("invalid_client");
        }
        client.post().uri("/oauth2/token").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .bodyValue("grant_type=client_credentials").exchange()
                .expectStatus().isUnauthorized();
    }

    @Test
    void refusesOtherGrantsRepeatedParametersAndOtherContentTypes() {
        token(ORDER_SERVICE, "grant_type=password&username=a&password=b")
                .expectStatus().isBadRequest().expectBody().jsonPath("$.error").isEqualTo("unsupported_grant_type");
        token(ORDER_SERVICE, "").expectStatus().isBadRequest();
        token(ORDER_SERVICE, "grant_type=client_credentials&grant_type=client_credentials")
                .expectStatus().isBadRequest().expectBody().jsonPath("$.error").isEqualTo("invalid_request");
        client.post().uri("/oauth2/token").header(HttpHeaders.AUTHORIZATION, ORDER_SERVICE)
                .contentType(MediaType.APPLICATION_JSON).bodyValue("{\"grant_type\":\"client_credentials\"}")
                .exchange().expectStatus().isEqualTo(415)
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON);
    }

    @Test
    void aServiceTokenIsNotAcceptedWhereAUserTokenIsNeeded() {
        String serviceToken = (String) token(ORDER_SERVICE, "grant_type=client_credentials")
                .expectBody(Map.class).returnResult().getResponseBody().get("access_token");
        client.get().uri("/auth/me").header(HttpHeaders.AUTHORIZATION, bearer(serviceToken)).exchange()
                .expectStatus().isUnauthorized();
    }

    private WebTestClient.ResponseSpec token(String authorization, String form) {
        return client.post().uri("/oauth2/token").header(HttpHeaders.AUTHORIZATION, authorization)
                .contentType(MediaType.APPLICATION_FORM_URLENCODED).bodyValue(form).exchange();
    }

    private static String basic(String id, String secret) {
        return "Basic " + Base64.getEncoder().encodeToString((id + ":" + secret).getBytes());
    }
}
