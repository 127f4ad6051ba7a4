package dev.portcullis.auth.keys;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.auth.support.AuthServiceTestBase;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.BodyInserters;

/**
 * The discovery document against what the endpoints really do: it is valid RFC 8414 metadata, and everything it
 * advertises exists (every grant type and client authentication method is accepted by the token endpoint, every
 * endpoint answers), while what this service does not do (implicit, refresh_token at /oauth2/token, ID tokens, an
 * RFC 7009 revocation endpoint) is not advertised.
 */
class DiscoveryTest extends AuthServiceTestBase {

    private static final String ISSUER = "http://localhost:8080";
    private static final String ORDER_SERVICE_SECRET = "order-service-secret";
    /** The members RFC 8414 §2 defines; the document must not claim anything outside them. */
    private static final Set<String> RFC_8414_MEMBERS = Set.of("issuer", "authorization_endpoint", "token_endpoint",
            "jwks_uri", "registration_endpoint", "scopes_supported", "response_types_supported",
            "response_modes_supported", "grant_types_supported", "token_endpoint_auth_methods_supported",
            "token_endpoint_auth_signing_alg_values_supported", "service_documentation", "ui_locales_supported",
            "op_policy_uri", "op_tos_uri", "revocation_endpoint", "revocation_endpoint_auth_methods_supported",
            "revocation_endpoint_auth_signing_alg_values_supported", "introspection_endpoint",
            "introspection_endpoint_auth_methods_supported", "introspection_endpoint_auth_signing_alg_values_supported",
            "code_challenge_methods_supported");

    private Map<String, Object> document;

    @BeforeEach
    void readDocument() {
        document = client.get().uri("/.well-known/openid-configuration").exchange()
                .expectStatus().isOk()
                .expectHeader().contentType(MediaType.APPLICATION_JSON)
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { })
                .returnResult().getResponseBody();
    }

    @Test
    void theDocumentIsValidAuthorizationServerMetadataWithNothingItDoesNotDo() {
        assertThat(document.keySet()).isSubsetOf(RFC_8414_MEMBERS);
        // required by RFC 8414 §2: issuer, response_types_supported, and token_endpoint unless only implicit is used;
        // authorization_endpoint only when a grant type uses it, and none here does
        assertThat(document).containsEntry("issuer", ISSUER).containsKeys("token_endpoint", "response_types_supported");
        assertThat(document).doesNotContainKeys("authorization_endpoint", "revocation_endpoint",
                "introspection_endpoint", "token_endpoint_auth_signing_alg_values_supported");
        // without an authorization endpoint there is no response type: no implicit "token", no "code"
        assertThat(list("response_types_supported")).isEmpty();
        // no ID tokens are issued: none of OpenID Connect's ID-token or userinfo members
        assertThat(document).doesNotContainKeys("id_token_signing_alg_values_supported", "subject_types_supported",
                "userinfo_endpoint", "claims_supported");
        assertThat(list("grant_types_supported")).doesNotContain("refresh_token", "implicit", "authorization_code");
    }

    @Test
    void everyAdvertisedGrantTypeIsAcceptedByTheTokenEndpointAndOthersAreRefused() {
        String tokenPath = pathUnderIssuer((String) document.get("token_endpoint"));
        List<String> advertised = list("grant_types_supported");
        assertThat(advertised).isNotEmpty();
        for (String grant : advertised) {
            token(tokenPath, grant, basic("order-service", ORDER_SERVICE_SECRET)).expectStatus().isOk()
                    .expectBody().jsonPath("$.access_token").isNotEmpty();
        }
        for (String grant : List.of("refresh_token", "authorization_code", "password", "implicit",
                "urn:ietf:params:oauth:grant-type:jwt-bearer", "urn:ietf:params:oauth:grant-type:device_code")) {
            assertThat(advertised).doesNotContain(grant);
            token(tokenPath, grant, basic("order-service", ORDER_SERVICE_SECRET)).expectStatus().isBadRequest()
                    .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectBody().jsonPath("$.error").isEqualTo("unsupported_grant_type");
        }
    }

    @Test
    void everyAdvertisedClientAuthenticationMethodWorksAndSecretsInTheFormDoNot() {
        assertThat(list("token_endpoint_auth_methods_supported")).containsExactly("client_secret_basic");
        String tokenPath = pathUnderIssuer((String) document.get("token_endpoint"));
        token(tokenPath, "client_credentials", basic("order-service", ORDER_SERVICE_SECRET)).expectStatus().isOk();
        // client_secret_post is not advertised, and not accepted
        client.post().uri(tokenPath).contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .body(BodyInserters.fromFormData("grant_type", "client_credentials")
                        .with("client_id", "order-service").with("client_secret", ORDER_SERVICE_SECRET))
                .exchange().expectStatus().isUnauthorized()
                .expectBody().jsonPath("$.error").isEqualTo("invalid_client");
    }

    @Test
    void theAdvertisedKeySetAnswersWithTheKeysThatSignTokens() {
        Map<String, Object> jwks = client.get().uri(pathUnderIssuer((String) document.get("jwks_uri"))).exchange()
                .expectStatus().isOk()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { })
                .returnResult().getResponseBody();
        List<String> kids = ((List<?>) jwks.get("keys")).stream().map(key -> (String) ((Map<?, ?>) key).get("kid")).toList();
        assertThat(kids).contains(keyManager.signingKey().getKeyID());
    }

    @Test
    void theAdvertisedScopesAreTheUserScopeAndTheClientsScopes() {
        assertThat(list("scopes_supported")).containsExactly("openid", "orders:read", "products:read");
    }

    @SuppressWarnings("unchecked")
    private List<String> list(String member) {
        assertThat(document.get(member)).as(member).isInstanceOf(List.class);
        return (List<String>) document.get(member);
    }

    /** The path of an advertised endpoint, after checking that it lies under the issuer (the gateway's public URL). */
    private static String pathUnderIssuer(String url) {
        assertThat(url).startsWith(ISSUER + "/");
        return URI.create(url).getRawPath();
    }

    private org.springframework.test.web.reactive.server.WebTestClient.ResponseSpec token(String path, String grant,
                                                                                          String authorization) {
        return client.post().uri(path).header(HttpHeaders.AUTHORIZATION, authorization)
                .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .body(BodyInserters.fromFormData("grant_type", grant)).exchange();
    }

    private static String basic(String id, String secret) {
        return "Basic " + Base64.getEncoder().encodeToString((id + ":" + secret).getBytes(StandardCharsets.UTF_8));
    }
}
