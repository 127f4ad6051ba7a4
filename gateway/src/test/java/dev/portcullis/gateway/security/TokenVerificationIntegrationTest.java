package dev.portcullis.gateway.security;

import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.RSAKey;
import dev.portcullis.contract.TokenClaims;
import dev.portcullis.gateway.support.GatewayIntegrationTest;
import dev.portcullis.testsupport.TestKeys;
import dev.portcullis.testsupport.TokenFactory;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;

class TokenVerificationIntegrationTest extends GatewayIntegrationTest {

    @Test
    void forwardsARequestWithAValidTokenToItsService() {
        String token = tokens.forUser("u-1").sign();

        getWithToken("/api/users/me", token).exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.ok").isEqualTo(true);

        upstream.verify(getRequestedFor(urlPathEqualTo("/users/me")));
    }

    @Test
    void refusesARequestWithoutATokenWithABareBearerChallenge() {
        client.get().uri("/api/users/me").exchange()
                .expectStatus().isUnauthorized()
                .expectHeader().valueEquals(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"portcullis\"")
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.status").isEqualTo(401)
                .jsonPath("$.type").isEqualTo("urn:portcullis:problem:invalid-token")
                .jsonPath("$.title").isNotEmpty()
                .jsonPath("$.detail").isNotEmpty();

        upstream.verify(0, anyRequestedFor(urlPathMatching("/users.*")));
    }

    static Stream<Arguments> forgedTokens() {
        Instant now = Instant.now();
        RSAKey unpublished = TestKeys.rsa("never-published");
        return Stream.of(
                forged("signed with another key under a trusted kid", "bad_signature",
                        () -> tokens.forUser("u-1").signedWith(TestKeys.ATTACKER).sign()),
                forged("alg none", "disallowed_algorithm", () -> tokens.forUser("u-1").unsigned()),
                forged("HS256 keyed with the public key", "disallowed_algorithm", () -> tokens.forUser("u-1").hmacWithPublicKey()),
                forged("tampered payload", "bad_signature", () -> TokenFactory.tamperPayload(tokens.forUser("u-1").sign(),
                        Map.of("sub", "admin", "iss", ISSUER, "aud", AUDIENCE, "exp", now.plusSeconds(600).getEpochSecond(),
                                "iat", now.getEpochSecond(), "jti", "x", "role", "admin"))),
                forged("unknown kid", "unknown_key", () -> tokens.forUser("u-1").signedWith(unpublished).sign()),
                forged("embedded jwk of the attacker", "bad_signature", () -> tokens.forUser("u-1").signedWith(TestKeys.ATTACKER)
                        .header(h -> h.jwk(TestKeys.ATTACKER.toPublicJWK())).sign()),
                forged("jku pointing elsewhere", "unknown_key", () -> tokens.forUser("u-1").signedWith(unpublished)
                        .header(h -> h.jwkURL(URI.create("https://attacker.example/jwks.json"))).sign()),
                forged("expired", "expired", () -> tokens.forUser("u-1").issuedAt(now.minusSeconds(1800))
                        .notBefore(now.minusSeconds(1800)).expiresAt(now.minusSeconds(60)).sign()),
                forged("not yet valid", "not_yet_valid", () -> tokens.forUser("u-1").notBefore(now.plusSeconds(300)).sign()),
                forged("issued in the future", "not_yet_valid", () -> tokens.forUser("u-1").issuedAt(now.plusSeconds(300)).sign()),
                forged("unknown issuer", "unknown_issuer", () -> tokens.forUser("u-1").issuer("https://evil.example").sign()),
                forged("wrong audience", "wrong_audience", () -> tokens.forUser("u-1").audience("product-service").sign()),
                forged("typ JWT instead of at+jwt", "wrong_type", () -> tokens.forUser("u-1").type("JWT").sign()),
                forged("no typ", "wrong_type", () -> tokens.forUser("u-1").type(null).sign()),
                forged("no jti", "missing_claim", () -> tokens.forUser("u-1").without(TokenClaims.TOKEN_ID).sign()),
                forged("no sub", "missing_claim", () -> tokens.forUser("u-1").without(TokenClaims.SUBJECT).sign()),
                forged("no exp", "missing_claim", () -> tokens.forUser("u-1").without(TokenClaims.EXPIRES_AT).sign()),
                forged("no iat", "missing_claim", () -> tokens.forUser("u-1").without(TokenClaims.ISSUED_AT).sign()),
                forged("oversized", "too_large", () -> tokens.forUser("u-1").claim("padding", "x".repeat(9000)).sign()),
                forged("garbage", "malformed", () -> "not-a-token"),
                forged("three garbage parts", "malformed", () -> "aaa.bbb.ccc"),
                forged("role with a line break", "unsafe_claim", () -> tokens.forUser("u-1").role("admin\r\nx-user-role: root").sign()),
                forged("permission with a comma", "unsafe_claim",
                        () -> tokens.forUser("u-1").permissions("orders:read,orders:write").sign()));
    }

    private static Arguments forged(String name, String reason, Supplier<String> token) {
        return Arguments.of(name, reason, token);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("forgedTokens")
    void refusesForgedAndInvalidTokensWith401AndTheReason(String name, String reason, Supplier<String> token) {
        getWithToken("/api/users/me", token.get()).exchange()
                .expectStatus().isUnauthorized()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectHeader().value(HttpHeaders.WWW_AUTHENTICATE, value -> assertThat(value)
                        .startsWith("Bearer realm=\"portcullis\", error=\"invalid_token\", error_description=\""))
                .expectBody().jsonPath("$.status").isEqualTo(401);

        upstream.verify(0, anyRequestedFor(urlPathMatching("/users.*")));
        assertThat(rejections(reason)).as("rejection counted with reason %s", reason).isPositive();
    }

    @Test
    void neverEchoesTheTokenInTheProblemDocument() {
        String token = tokens.forUser("u-1").signedWith(TestKeys.ATTACKER).sign();

        String body = getWithToken("/api/users/me", token).exchange()
                .expectStatus().isUnauthorized()
                .expectBody(String.class).returnResult().getResponseBody();

        assertThat(body).doesNotContain(token).doesNotContain(token.substring(token.lastIndexOf('.') + 1));
    }

    @Test
    void acceptsTheBearerSchemeInAnyCase() {
        String token = tokens.forUser("u-1").sign();
        for (String scheme : List.of("bearer", "BEARER", "BeArEr")) {
            client.get().uri("/api/users/me").header("Authorization", scheme + " " + token).exchange()
                    .expectStatus().isOk();
        }
    }

    @Test
    void acceptsAnExpiredTokenWithinTheClockSkewAndRefusesItAfter() {
        Instant now = testClock.instant();
        String token = tokens.forUser("u-1").issuedAt(now.minusSeconds(900)).notBefore(now.minusSeconds(900))
                .expiresAt(now.minusSeconds(10)).sign();

        getWithToken("/api/users/me", token).exchange().expectStatus().isOk();

        testClock.advance(Duration.ofSeconds(25));
        getWithToken("/api/users/me", token).exchange().expectStatus().isUnauthorized();
    }

    @Test
    void aCachedTokenIsRefusedOnceItExpires() {
        Instant now = testClock.instant();
        String token = tokens.forUser("u-1").expiresAt(now.plusSeconds(60)).sign();
        getWithToken("/api/users/me", token).exchange().expectStatus().isOk();

        // past exp and the 30 s skew: had the cache outlived the token, it would still pass
        testClock.advance(Duration.ofSeconds(120));

        getWithToken("/api/users/me", token).exchange().expectStatus().isUnauthorized();
    }

    private double rejections(String reason) {
        String body = management().get().uri("/actuator/prometheus").exchange()
                .expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
        return body.lines()
                .filter(line -> line.startsWith("portcullis_gateway_rejections_total{") && line.contains("reason=\"" + reason + "\""))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }
}
