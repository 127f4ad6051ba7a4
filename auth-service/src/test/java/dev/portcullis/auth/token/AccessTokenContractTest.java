package dev.portcullis.auth.token;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.portcullis.auth.support.AuthServiceTestBase;
import dev.portcullis.contract.TokenClaims;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpHeaders;

/** The token exactly as docs/contract.md says, checked the way a gateway would: with the published JWKS only. */
class AccessTokenContractTest extends AuthServiceTestBase {

    @Test
    void userTokenHeaderAndClaimsAreExactlyTheContractAndVerifyWithThePublishedJwks() throws Exception {
        String token = login("alice", "alice-password").accessToken();
        JWKSet published = JWKSet.parse(client.get().uri("/.well-known/jwks.json").exchange()
                .expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody());

        SignedJWT jwt = SignedJWT.parse(token);
        assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.RS256);
        assertThat(jwt.getHeader().getType()).isEqualTo(new JOSEObjectType("at+jwt"));
        assertThat(published.getKeyByKeyId(jwt.getHeader().getKeyID())).isNotNull();

        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(new JOSEObjectType(TokenClaims.ACCESS_TOKEN_TYPE)));
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.RS256, new ImmutableJWKSet<>(published)));
        processor.setJWTClaimsSetVerifier((claims, context) -> { }); // the clock is fixed in the test; checked below
        JWTClaimsSet claims = processor.process(token, null);

        assertThat(claims.getClaims().keySet()).containsExactlyInAnyOrder(TokenClaims.ISSUER, TokenClaims.SUBJECT,
                TokenClaims.AUDIENCE, TokenClaims.EXPIRES_AT, TokenClaims.ISSUED_AT, TokenClaims.NOT_BEFORE,
                TokenClaims.TOKEN_ID, TokenClaims.CLIENT_ID, TokenClaims.USERNAME, TokenClaims.ROLE,
                TokenClaims.PERMISSIONS, TokenClaims.SCOPE, TokenClaims.AUTH_METHODS, TokenClaims.AUTH_CONTEXT,
                TokenClaims.AUTH_TIME);
        assertThat(claims.getStringClaim(TokenClaims.AUTH_CONTEXT)).isEqualTo(TokenClaims.ACR_PASSWORD);
        assertThat(claims.getLongClaim(TokenClaims.AUTH_TIME)).isEqualTo(T0.getEpochSecond());
        assertThat(claims.getIssuer()).isEqualTo("http://localhost:8080");
        assertThat(claims.getSubject()).isEqualTo("u-alice");
        assertThat(claims.getAudience()).containsExactly("portcullis");
        assertThat(claims.getIssueTime()).isEqualTo(Date.from(T0));
        assertThat(claims.getNotBeforeTime()).isEqualTo(claims.getIssueTime());
        assertThat(claims.getExpirationTime()).isEqualTo(Date.from(T0.plusSeconds(900)));
        assertThat(UUID.fromString(claims.getJWTID()).version()).isEqualTo(4);
        assertThat(claims.getStringClaim(TokenClaims.CLIENT_ID)).isEqualTo("portcullis-web");
        assertThat(claims.getStringClaim(TokenClaims.USERNAME)).isEqualTo("alice");
        assertThat(claims.getStringClaim(TokenClaims.ROLE)).isEqualTo("user");
        assertThat(claims.getStringListClaim(TokenClaims.PERMISSIONS))
                .containsExactly("users:read", "products:read", "orders:read", "orders:write");
        assertThat(claims.getStringClaim(TokenClaims.SCOPE)).isEqualTo("openid");
        assertThat(claims.getStringListClaim(TokenClaims.AUTH_METHODS)).containsExactly(TokenClaims.AMR_PASSWORD);
    }

    @Test
    void everyTokenHasItsOwnJti() throws Exception {
        String first = login("alice", "alice-password").accessToken();
        String second = login("alice", "alice-password").accessToken();
        assertThat(SignedJWT.parse(first).getJWTClaimsSet().getJWTID())
                .isNotEqualTo(SignedJWT.parse(second).getJWTClaimsSet().getJWTID());
    }

    @Test
    void jwksPublishesPublicKeysOnlyAndMayBeCachedBriefly() {
        Map<String, Object> jwks = client.get().uri("/.well-known/jwks.json").exchange()
                .expectStatus().isOk()
                .expectHeader().value(HttpHeaders.CACHE_CONTROL, value -> assertThat(value).contains("max-age=300"))
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { })
                .returnResult().getResponseBody();
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> keys = (List<Map<String, Object>>) jwks.get("keys");
        assertThat(keys).isNotEmpty().allSatisfy(key -> {
            assertThat(key).containsKeys("kty", "kid", "n", "e").containsEntry("use", "sig").containsEntry("alg", "RS256");
            assertThat(key).doesNotContainKeys("d", "p", "q", "dp", "dq", "qi");
        });
    }

    @Test
    void discoveryNamesTheIssuerAndItsEndpoints() {
        client.get().uri("/.well-known/openid-configuration").exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.issuer").isEqualTo("http://localhost:8080")
                .jsonPath("$.jwks_uri").isEqualTo("http://localhost:8080/.well-known/jwks.json")
                .jsonPath("$.token_endpoint").isEqualTo("http://localhost:8080/oauth2/token")
                .jsonPath("$.grant_types_supported").isArray();
    }

    @Test
    void refusesForgedAndTamperedTokensOnProtectedEndpoints() {
        var factory = tokens();
        String forged = factory.forUser("u-alice").signedWith(dev.portcullis.testsupport.TestKeys.ATTACKER)
                .keyId(keyManager.signingKey().getKeyID()).sign();
        String none = factory.forUser("u-alice").unsigned();
        String confused = new dev.portcullis.testsupport.TokenFactory(keyManager.signingKey(), "http://localhost:8080",
                "portcullis", clock).forUser("u-alice").hmacWithPublicKey();
        String wrongType = factory.forUser("u-alice").type("JWT").sign();
        String wrongAudience = factory.forUser("u-alice").audience("someone-else").sign();
        String wrongIssuer = factory.forUser("u-alice").issuer("http://evil").sign();
        String expired = factory.forUser("u-alice").expiresAt(T0.minusSeconds(60)).sign();
        String unknownKid = factory.forUser("u-alice").keyId("nope").sign();
        for (String token : List.of(forged, none, confused, wrongType, wrongAudience, wrongIssuer, expired, unknownKid, "garbage")) {
            client.get().uri("/auth/me").header(HttpHeaders.AUTHORIZATION, bearer(token)).exchange()
                    .expectStatus().isUnauthorized()
                    .expectHeader().value(HttpHeaders.WWW_AUTHENTICATE,
                            value -> assertThat(value).startsWith("Bearer error=\"invalid_token\""));
        }
        client.get().uri("/auth/me").header(HttpHeaders.AUTHORIZATION, bearer(factory.forUser("u-alice").sign()))
                .exchange().expectStatus().isOk();
    }

    @Test
    void ignoresIdentityHeadersAndAsksForABearerToken() {
        client.get().uri("/auth/me").header("x-user-id", "u-admin").header("x-user-role", "admin").exchange()
                .expectStatus().isUnauthorized()
                .expectHeader().valueEquals(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
    }
}
