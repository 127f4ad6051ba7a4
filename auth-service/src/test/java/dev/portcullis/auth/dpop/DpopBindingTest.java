package dev.portcullis.auth.dpop;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.auth.refresh.RefreshTokenStore;
import dev.portcullis.auth.support.AuthServiceTestBase;
import dev.portcullis.testsupport.DpopProofs;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * DPoP at the auth service: a login or refresh with a proof binds the access token ({@code cnf.jkt},
 * {@code token_type: DPoP}) and the refresh family to the proof's key; a bound token is usable here only with the DPoP
 * scheme and a fresh proof of that key; requests without proofs behave as before.
 */
class DpopBindingTest extends AuthServiceTestBase {

    private static final ParameterizedTypeReference<Map<String, Object>> JSON = new ParameterizedTypeReference<>() { };

    private final ECKey key = DpopProofs.newKey();
    private final ECKey thief = DpopProofs.newKey();

    private String url(String path) {
        return "http://localhost:" + port + path;
    }

    private DpopProofs.Proof proof(ECKey signer, String method, String path) {
        return DpopProofs.of(signer).method(method).url(url(path)).issuedAt(clock.instant());
    }

    private WebTestClient.ResponseSpec login(String proof, boolean inBody) {
        WebTestClient.RequestBodySpec request = client.post().uri("/auth/login").contentType(MediaType.APPLICATION_JSON);
        if (proof != null) {
            request.header("DPoP", proof);
        }
        return request.bodyValue(Map.of("username", "alice", "password", "alice-password", "refresh_token_in_body", inBody))
                .exchange();
    }

    private Map<String, Object> boundLogin() {
        return login(proof(key, "POST", "/auth/login").sign(), true).expectStatus().isOk()
                .expectBody(JSON).returnResult().getResponseBody();
    }

    private WebTestClient.ResponseSpec refresh(String refreshToken, String proof) {
        WebTestClient.RequestBodySpec request = client.post().uri("/auth/refresh").contentType(MediaType.APPLICATION_JSON);
        if (proof != null) {
            request.header("DPoP", proof);
        }
        return request.bodyValue(Map.of("refresh_token", refreshToken)).exchange();
    }

    private static Object cnf(String accessToken) throws Exception {
        return SignedJWT.parse(accessToken).getJWTClaimsSet().getClaim("cnf");
    }

    @Test
    void aLoginWithAProofGetsATokenBoundToTheProofsKey() throws Exception {
        Map<String, Object> body = boundLogin();

        assertThat(body.get("token_type")).isEqualTo("DPoP");
        assertThat(cnf((String) body.get("access_token"))).isEqualTo(Map.of("jkt", DpopProofs.thumbprint(key)));
        String family = ((String) body.get("refresh_token")).substring(0, 22);
        assertThat(redis.hget(RefreshTokenStore.familyKey("u-alice", family), "jkt")).isEqualTo(DpopProofs.thumbprint(key));
    }

    @Test
    void aLoginWithoutAProofStaysExactlyAsBeforeWithABearerToken() throws Exception {
        Map<String, Object> body = login(null, true).expectStatus().isOk().expectBody(JSON).returnResult().getResponseBody();

        assertThat(body.get("token_type")).isEqualTo("Bearer");
        assertThat(cnf((String) body.get("access_token"))).isNull();
        client.get().uri("/auth/me").header(HttpHeaders.AUTHORIZATION, bearer((String) body.get("access_token")))
                .exchange().expectStatus().isOk();
    }

    @Test
    void aLoginWithABadOrReplayedProofIsRefusedWithInvalidDpopProof() {
        login(proof(key, "POST", "/auth/refresh").sign(), false).expectStatus().isBadRequest()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.error").isEqualTo("invalid_dpop_proof").jsonPath("$.reason").isEqualTo("url_mismatch");
        login(proof(key, "POST", "/auth/login").embedding(key).sign(), false).expectStatus().isBadRequest()
                .expectBody().jsonPath("$.reason").isEqualTo("private_key");

        String once = proof(key, "POST", "/auth/login").sign();
        login(once, false).expectStatus().isOk();
        login(once, false).expectStatus().isBadRequest().expectBody().jsonPath("$.reason").isEqualTo("replayed");
    }

    @Test
    void aStolenRefreshTokenOfABoundFamilyIsRefusedWithoutTheKeyAndTheFamilyLivesOn() {
        Map<String, Object> body = boundLogin();
        String refreshToken = (String) body.get("refresh_token");
        String familyKey = RefreshTokenStore.familyKey("u-alice", refreshToken.substring(0, 22));
        Map<String, String> before = redis.hgetall(familyKey);

        refresh(refreshToken, null).expectStatus().isBadRequest()
                .expectBody().jsonPath("$.error").isEqualTo("invalid_dpop_proof").jsonPath("$.reason").isEqualTo("key_mismatch");
        refresh(refreshToken, proof(thief, "POST", "/auth/refresh").sign()).expectStatus().isBadRequest()
                .expectBody().jsonPath("$.reason").isEqualTo("key_mismatch");

        // nothing rotated, nothing burnt: the owner, with the key, refreshes with the very same token
        assertThat(redis.hgetall(familyKey)).isEqualTo(before);
        Map<String, Object> refreshed = refresh(refreshToken, proof(key, "POST", "/auth/refresh").sign())
                .expectStatus().isOk().expectBody(JSON).returnResult().getResponseBody();
        assertThat(refreshed.get("token_type")).isEqualTo("DPoP");
        assertThat(refreshed.get("refresh_token")).isNotEqualTo(refreshToken);
    }

    @Test
    void aBoundTokenIsUsableOnlyWithTheDpopSchemeAndAFreshProofOfItsKey() {
        String token = (String) boundLogin().get("access_token");

        client.get().uri("/auth/me").header(HttpHeaders.AUTHORIZATION, bearer(token)).exchange()
                .expectStatus().isUnauthorized()
                .expectHeader().value(HttpHeaders.WWW_AUTHENTICATE, v -> assertThat(v)
                        .startsWith("DPoP error=\"invalid_token\"").contains("algs=\"ES256 RS256 PS256\""));
        client.get().uri("/auth/me").header(HttpHeaders.AUTHORIZATION, "DPoP " + token)
                .header("DPoP", proof(thief, "GET", "/auth/me").token(token).sign()).exchange()
                .expectStatus().isUnauthorized()
                .expectHeader().value(HttpHeaders.WWW_AUTHENTICATE, v -> assertThat(v).startsWith("DPoP error=\"invalid_dpop_proof\""))
                .expectBody().jsonPath("$.reason").isEqualTo("key_mismatch");
        client.get().uri("/auth/me").header(HttpHeaders.AUTHORIZATION, "DPoP " + token)
                .header("DPoP", proof(key, "GET", "/auth/me").sign()).exchange()
                .expectStatus().isUnauthorized().expectBody().jsonPath("$.reason").isEqualTo("ath_mismatch");

        String proof = proof(key, "GET", "/auth/me").token(token).sign();
        client.get().uri("/auth/me").header(HttpHeaders.AUTHORIZATION, "DPoP " + token).header("DPoP", proof).exchange()
                .expectStatus().isOk().expectBody().jsonPath("$.id").isEqualTo("u-alice");
        client.get().uri("/auth/me").header(HttpHeaders.AUTHORIZATION, "DPoP " + token).header("DPoP", proof).exchange()
                .expectStatus().isUnauthorized().expectBody().jsonPath("$.reason").isEqualTo("replayed");
    }

    @Test
    void anUnboundTokenSentWithTheDpopSchemeIsRefused() {
        String token = (String) login(null, true).expectBody(JSON).returnResult().getResponseBody().get("access_token");

        client.get().uri("/auth/me").header(HttpHeaders.AUTHORIZATION, "DPoP " + token)
                .header("DPoP", proof(key, "GET", "/auth/me").token(token).sign()).exchange()
                .expectStatus().isUnauthorized()
                .expectHeader().value(HttpHeaders.WWW_AUTHENTICATE, v -> assertThat(v).contains("not DPoP-bound"));
    }

    @Test
    void behindTheGatewayTheProofNamesThePublicUrlTheGatewayForwards() {
        // the gateway (a trusted proxy: loopback by default) forwards what the client addressed
        String publicProof = DpopProofs.of(key).method("POST").url("https://api.example.com/auth/login")
                .issuedAt(clock.instant()).sign();
        String internalProof = proof(key, "POST", "/auth/login").sign();

        client.post().uri("/auth/login").contentType(MediaType.APPLICATION_JSON)
                .header("X-Forwarded-Proto", "https").header("X-Forwarded-Host", "api.example.com")
                .header("DPoP", internalProof)
                .bodyValue(Map.of("username", "alice", "password", "alice-password")).exchange()
                .expectStatus().isBadRequest().expectBody().jsonPath("$.reason").isEqualTo("url_mismatch");
        client.post().uri("/auth/login").contentType(MediaType.APPLICATION_JSON)
                .header("X-Forwarded-Proto", "https").header("X-Forwarded-Host", "api.example.com")
                .header("DPoP", publicProof)
                .bodyValue(Map.of("username", "alice", "password", "alice-password")).exchange()
                .expectStatus().isOk().expectBody().jsonPath("$.token_type").isEqualTo("DPoP");
    }

    @Test
    void aStepUpOfABoundTokenStaysBoundToTheSameKey() throws Exception {
        String token = (String) boundLogin().get("access_token");
        String secret = (String) client.post().uri("/auth/mfa/enroll").header(HttpHeaders.AUTHORIZATION, "DPoP " + token)
                .header("DPoP", proof(key, "POST", "/auth/mfa/enroll").token(token).sign())
                .exchange().expectStatus().isCreated().expectBody(JSON).returnResult().getResponseBody().get("secret");
        Map<String, Object> stepped = client.post().uri("/auth/mfa/verify").header(HttpHeaders.AUTHORIZATION, "DPoP " + token)
                .header("DPoP", proof(key, "POST", "/auth/mfa/verify").token(token).sign())
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("code", dev.portcullis.auth.mfa.TotpCodes.now(secret, clock)))
                .exchange().expectStatus().isOk().expectBody(JSON).returnResult().getResponseBody();

        assertThat(stepped.get("token_type")).isEqualTo("DPoP");
        assertThat(cnf((String) stepped.get("access_token"))).isEqualTo(Map.of("jkt", DpopProofs.thumbprint(key)));
    }

    @Test
    void aClientCredentialsRequestWithAProofGetsABoundServiceTokenAndWithoutOneABearerToken() throws Exception {
        String basic = "Basic " + java.util.Base64.getEncoder().encodeToString("order-service:order-service-secret".getBytes());
        Map<String, Object> bound = client.post().uri("/oauth2/token").header(HttpHeaders.AUTHORIZATION, basic)
                .header("DPoP", proof(key, "POST", "/oauth2/token").sign())
                .contentType(MediaType.APPLICATION_FORM_URLENCODED).bodyValue("grant_type=client_credentials").exchange()
                .expectStatus().isOk().expectBody(JSON).returnResult().getResponseBody();
        Map<String, Object> plain = client.post().uri("/oauth2/token").header(HttpHeaders.AUTHORIZATION, basic)
                .contentType(MediaType.APPLICATION_FORM_URLENCODED).bodyValue("grant_type=client_credentials").exchange()
                .expectStatus().isOk().expectBody(JSON).returnResult().getResponseBody();

        assertThat(bound.get("token_type")).isEqualTo("DPoP");
        assertThat(cnf((String) bound.get("access_token"))).isEqualTo(Map.of("jkt", DpopProofs.thumbprint(key)));
        assertThat(plain.get("token_type")).isEqualTo("Bearer");
        assertThat(cnf((String) plain.get("access_token"))).isNull();
    }
}
