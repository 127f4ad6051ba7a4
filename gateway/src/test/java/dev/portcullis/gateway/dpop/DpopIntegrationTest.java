package dev.portcullis.gateway.dpop;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.dpop.DpopProofVerifier;
import dev.portcullis.gateway.support.GatewayIntegrationTest;
import dev.portcullis.testsupport.DpopProofs;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * The edge holds a DPoP-bound token ({@code cnf.jkt}) to its key on every request, cached token or not; what a thief
 * holding only the token, or a replayed proof, gets is a 401 with the RFC 9449 challenge and a problem document.
 */
class DpopIntegrationTest extends GatewayIntegrationTest {

    private static final String PATH = "/api/users/me";

    private final ECKey key = DpopProofs.newKey();
    private final ECKey otherKey = DpopProofs.newKey();

    private String boundToken() {
        return tokens.forUser("u-dpop").claim("cnf", Map.of("jkt", DpopProofs.thumbprint(key))).sign();
    }

    private String url(String path) {
        return "http://localhost:" + port + path;
    }

    private DpopProofs.Proof proof(String token) {
        return DpopProofs.of(key).method("GET").url(url(PATH)).token(token).issuedAt(testClock.instant());
    }

    private WebTestClient.ResponseSpec call(String token, String... proofs) {
        WebTestClient.RequestHeadersSpec<?> request = client.get().uri(PATH).header(HttpHeaders.AUTHORIZATION, "DPoP " + token);
        for (String proof : proofs) {
            request = request.header(DpopProofVerifier.HEADER, proof);
        }
        return request.exchange();
    }

    private static void invalidProof(WebTestClient.ResponseSpec response, String detail) {
        response.expectStatus().isUnauthorized()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectHeader().value(HttpHeaders.WWW_AUTHENTICATE, challenge -> assertThat(challenge)
                        .startsWith("DPoP realm=\"portcullis\", error=\"invalid_dpop_proof\"")
                        .contains("algs=\"ES256 RS256 PS256\""))
                .expectBody()
                .jsonPath("$.reason").isEqualTo("invalid_dpop_proof")
                .jsonPath("$.detail").value(value -> assertThat((String) value).contains(detail));
    }

    private static void nothingForwarded() {
        assertThat(upstream.findAll(anyRequestedFor(urlPathMatching("/(users|it)/.*")))).isEmpty();
    }

    @Test
    void aBoundTokenWithAValidProofPassesAndTheServiceGetsTheIdentityButNotTheProof() {
        String token = boundToken();

        call(token, proof(token).sign()).expectStatus().isOk();

        upstream.verify(1, getRequestedFor(urlPathEqualTo("/users/me"))
                .withHeader("x-user-id", equalTo("u-dpop"))
                .withHeader(DpopProofVerifier.HEADER, absent()));
    }

    @Test
    void aBoundTokenSentAsBearerIsRefused() {
        String token = boundToken();

        getWithToken(PATH, token).header(DpopProofVerifier.HEADER, proof(token).sign()).exchange()
                .expectStatus().isUnauthorized()
                .expectHeader().value(HttpHeaders.WWW_AUTHENTICATE, challenge -> assertThat(challenge)
                        .startsWith("DPoP realm=\"portcullis\", error=\"invalid_token\"").contains("algs="))
                .expectBody().jsonPath("$.reason").isEqualTo("dpop_binding");
        nothingForwarded();
    }

    @Test
    void anUnboundTokenSentWithTheDpopSchemeIsRefusedAndAsBearerStillPasses() {
        String token = tokens.forUser("u-plain").sign();

        call(token, proof(token).sign()).expectStatus().isUnauthorized()
                .expectBody().jsonPath("$.reason").isEqualTo("dpop_binding");
        getWithToken(PATH, token).exchange().expectStatus().isOk();
    }

    @Test
    void aRouteThatRequiresBindingRefusesBearerTokensAndAcceptsBoundOnes() {
        String plain = tokens.forUser("u-plain").sign();
        String bound = boundToken();

        getWithToken("/it/dpop-required/x", plain).exchange().expectStatus().isUnauthorized()
                .expectBody().jsonPath("$.detail").isEqualTo("This route requires a DPoP-bound access token");
        client.get().uri("/it/dpop-required/x").header(HttpHeaders.AUTHORIZATION, "DPoP " + bound)
                .header(DpopProofVerifier.HEADER, DpopProofs.of(key).method("GET").url(url("/it/dpop-required/x"))
                        .token(bound).issuedAt(testClock.instant()).sign())
                .exchange().expectStatus().isOk();
        upstream.verify(1, getRequestedFor(urlPathEqualTo("/it/dpop-required/x")));
    }

    @Test
    void aReplayedProofIsRefusedAlthoughTheTokenIsAnsweredFromTheCache() {
        String token = boundToken();
        String proof = proof(token).sign();
        double replayedBefore = metric("portcullis_dpop_proofs_total", "outcome=\"replayed\"");

        call(token, proof).expectStatus().isOk();
        invalidProof(call(token, proof), "already used");
        // the token is still fine: a fresh proof passes
        call(token, proof(token).sign()).expectStatus().isOk();

        upstream.verify(2, getRequestedFor(urlPathEqualTo("/users/me")));
        assertThat(metric("portcullis_dpop_proofs_total", "outcome=\"replayed\"")).isEqualTo(replayedBefore + 1);
    }

    @Test
    void aProofOfAnotherKeyOrForAnotherRequestIsRefused() {
        String token = boundToken();

        invalidProof(call(token, DpopProofs.of(otherKey).method("GET").url(url(PATH)).token(token)
                .issuedAt(testClock.instant()).sign()), "another key");
        invalidProof(call(token, proof(token).method("POST").sign()), "another HTTP method");
        invalidProof(call(token, proof(token).url(url("/api/users/other")).sign()), "another URL");
        invalidProof(call(token, proof(token).url("https://localhost:" + port + PATH).sign()), "another URL");
        invalidProof(call(token, proof("another.access.token").sign()), "ath");
        invalidProof(call(token, proof(token).issuedAt(testClock.instant().minusSeconds(61)).sign()), "too old");
        nothingForwarded();
    }

    @Test
    void aMissingDuplicatedOrMalformedProofIsRefused() throws Exception {
        String token = boundToken();
        JWTClaimsSet claims = new JWTClaimsSet.Builder().jwtID("j-1").issueTime(Date.from(testClock.instant()))
                .claim("htm", "GET").claim("htu", url(PATH)).claim("ath", DpopProofs.hash(token)).build();
        SignedJWT hmac = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).type(DpopProofVerifier.TYPE)
                .jwk(key.toPublicJWK()).build(), claims);
        hmac.sign(new MACSigner(new byte[32]));

        invalidProof(call(token), "required");
        invalidProof(call(token, proof(token).sign(), proof(token).sign()), "Exactly one");
        invalidProof(call(token, proof(token).embedding(key).sign()), "public key");
        invalidProof(call(token, new PlainJWT(claims).serialize()), "well-formed");
        invalidProof(call(token, hmac.serialize()), "algorithm");
        invalidProof(call(token, proof(token).type("jwt").sign()), "typ");
        nothingForwarded();
    }

    @Test
    void behindATrustedProxyTheProofNamesThePublicUrlTheProxyForwards() {
        try (ConfigurableApplicationContext proxied = startSecondInstance("--portcullis.http.trusted-proxies=127.0.0.1,::1")) {
            WebTestClient second = clientOf(proxied);
            String token = boundToken();
            Consumer<HttpHeaders> forwarded = headers -> {
                headers.set("X-Forwarded-Proto", "https");
                headers.set("X-Forwarded-Host", "api.example.com");
            };
            String publicUrl = "https://api.example.com" + PATH;

            second.get().uri(PATH).headers(forwarded).header(HttpHeaders.AUTHORIZATION, "DPoP " + token)
                    .header(DpopProofVerifier.HEADER, proof(token).url(publicUrl).sign())
                    .exchange().expectStatus().isOk();
            second.get().uri(PATH).headers(forwarded).header(HttpHeaders.AUTHORIZATION, "DPoP " + token)
                    .header(DpopProofVerifier.HEADER, proof(token).url("http://localhost:" + port(proxied) + PATH).sign())
                    .exchange().expectStatus().isUnauthorized();
        }
        // an untrusted client's own X-Forwarded-Host changes nothing
        String token = boundToken();
        invalidProof(client.get().uri(PATH).header("X-Forwarded-Proto", "https").header("X-Forwarded-Host", "api.example.com")
                .header(HttpHeaders.AUTHORIZATION, "DPoP " + token)
                .header(DpopProofVerifier.HEADER, proof(token).url("https://api.example.com" + PATH).sign()).exchange(),
                "another URL");
    }

    @Test
    void theSameProofSentConcurrentlyToTwoInstancesIsAcceptedExactlyOnce() {
        try (ConfigurableApplicationContext other = startSecondInstance()) {
            String token = boundToken();
            // one public URL for both instances (as behind one load balancer): the Host header names the first
            String proofForFirst = proof(token).sign();
            WebClient first = WebClient.create("http://localhost:" + port);
            WebClient second = WebClient.create("http://localhost:" + port(other));
            List<Integer> statuses = Flux.range(0, 24).parallel(8).runOn(Schedulers.parallel())
                    .flatMap(i -> (i % 2 == 0 ? first : second).get().uri(PATH)
                            .header(HttpHeaders.AUTHORIZATION, "DPoP " + token)
                            .header(DpopProofVerifier.HEADER, proofForFirst)
                            .header(HttpHeaders.HOST, "localhost:" + port)
                            .exchangeToMono(response -> response.releaseBody().thenReturn(response.statusCode().value())))
                    .sequential().collectList().block(Duration.ofSeconds(30));

            assertThat(statuses).hasSize(24).containsOnlyOnce(200);
            assertThat(statuses).filteredOn(status -> status != 200).containsOnly(401);
            upstream.verify(1, getRequestedFor(urlPathEqualTo("/users/me")));
        }
    }

    @Test
    void withServerNoncesAProofWithoutOneGetsUseDpopNonceAndANonceToRetryWith() {
        String secret = java.util.Base64.getEncoder().encodeToString(new byte[32]);
        try (ConfigurableApplicationContext nonced = startSecondInstance("--portcullis.dpop.nonce.enabled=true",
                "--portcullis.dpop.nonce.secret=" + secret)) {
            WebTestClient second = clientOf(nonced);
            String token = boundToken();
            String here = "http://localhost:" + port(nonced) + PATH;

            String nonce = second.get().uri(PATH).header(HttpHeaders.AUTHORIZATION, "DPoP " + token)
                    .header(DpopProofVerifier.HEADER, proof(token).url(here).sign()).exchange()
                    .expectStatus().isUnauthorized()
                    .expectHeader().value(HttpHeaders.WWW_AUTHENTICATE, challenge -> assertThat(challenge)
                            .startsWith("DPoP realm=\"portcullis\", error=\"use_dpop_nonce\""))
                    .expectBody().jsonPath("$.reason").isEqualTo("use_dpop_nonce")
                    .returnResult().getResponseHeaders().getFirst(DpopProofVerifier.NONCE_HEADER);

            assertThat(nonce).isNotBlank();
            second.get().uri(PATH).header(HttpHeaders.AUTHORIZATION, "DPoP " + token)
                    .header(DpopProofVerifier.HEADER, proof(token).url(here).nonce(nonce).sign()).exchange()
                    .expectStatus().isOk();
        }
    }

    private static int port(ConfigurableApplicationContext context) {
        Environment environment = context.getEnvironment();
        return Integer.parseInt(environment.getProperty("local.server.port"));
    }

    private static WebTestClient clientOf(ConfigurableApplicationContext context) {
        return WebTestClient.bindToServer().baseUrl("http://localhost:" + port(context))
                .responseTimeout(Duration.ofSeconds(20)).build();
    }
}
