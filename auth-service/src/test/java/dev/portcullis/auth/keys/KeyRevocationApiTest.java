package dev.portcullis.auth.keys;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.auth.mfa.TotpCodes;
import dev.portcullis.auth.support.AuthServiceTestBase;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * {@code POST /auth/admin/keys/{kid}/revoke}: an admin with an MFA step-up pulls a leaked key, which leaves
 * {@code /.well-known/jwks.json} at once; when it was signing, a fresh key signs the next login's token.
 */
class KeyRevocationApiTest extends AuthServiceTestBase {

    @Autowired
    private MeterRegistry meters;

    /**
     * The context (and its key file) is shared with the other test classes, whose clock starts at {@code T0}: keys
     * made here after moving the clock on would not sign yet at {@code T0}, so they are pulled again, which leaves a
     * key that signs at {@code T0}.
     */
    @AfterEach
    void leaveAKeyThatSignsAtT0() {
        clock.set(T0);
        keyManager.ring().keys().stream()
                .filter(k -> KeyRing.instant(k.getNotBeforeTime(), T0).isAfter(T0))
                .map(JWK::getKeyID).toList()
                .forEach(keyManager::revoke);
        assertThat(keyManager.ring().signingKey(T0)).isPresent();
    }

    @Test
    void revokingARetiredButPublishedKeyRemovesItFromTheJwksAndLeavesTheSigningKey() {
        SteppedUp admin = stepUp(login("admin", "admin-password"));
        String retired = kidOf(admin.accessToken());
        String next = (String) adminPost("/auth/admin/keys/rotate", admin.accessToken())
                .expectStatus().isAccepted().expectBody(Map.class).returnResult().getResponseBody().get("kid");
        clock.advance(Duration.ofMinutes(10));
        assertThat(jwksKids()).containsExactlyInAnyOrder(retired, next);
        assertThat(kidOf(login("alice", "alice-password").accessToken())).isEqualTo(next);

        adminPost("/auth/admin/keys/" + retired + "/revoke", admin.accessToken())
                .expectStatus().isOk()
                .expectHeader().contentType(MediaType.APPLICATION_JSON)
                .expectBody()
                .jsonPath("$.revoked_kid").isEqualTo(retired)
                .jsonPath("$.new_signing_kid").doesNotExist()
                .jsonPath("$.signing_kid").isEqualTo(next)
                .jsonPath("$.published_kids").isEqualTo(List.of(next))
                .jsonPath("$.d").doesNotExist()
                .jsonPath("$.n").doesNotExist();

        assertThat(jwksKids()).containsExactly(next);
        assertThat(kidOf(login("alice", "alice-password").accessToken())).isEqualTo(next);
        // the auth service itself no longer believes what the pulled key signed (the admin's own token included)
        client.get().uri("/auth/me").header(HttpHeaders.AUTHORIZATION, bearer(admin.accessToken())).exchange()
                .expectStatus().isUnauthorized();
    }

    @Test
    void revokingTheActiveKeyMakesAFreshKeySignTheNextLogin() throws Exception {
        SteppedUp admin = stepUp(login("admin", "admin-password"));
        String leaked = kidOf(admin.accessToken());
        String aliceBefore = login("alice", "alice-password").accessToken();
        double revokedBefore = revocations("true");

        Map<?, ?> answer = adminPost("/auth/admin/keys/" + leaked + "/revoke", admin.accessToken())
                .expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();

        String fresh = (String) answer.get("new_signing_kid");
        assertThat(answer.get("revoked_kid")).isEqualTo(leaked);
        assertThat(fresh).isNotBlank().isNotEqualTo(leaked);
        assertThat(answer.get("signing_kid")).isEqualTo(fresh);
        assertThat(answer.get("published_kids")).isEqualTo(List.of(fresh));
        JWKSet jwks = jwks();
        assertThat(jwks.getKeyByKeyId(leaked)).isNull();

        String aliceAfter = login("alice", "alice-password").accessToken();
        SignedJWT token = SignedJWT.parse(aliceAfter);
        assertThat(token.getHeader().getKeyID()).isEqualTo(fresh);
        assertThat(token.verify(new RSASSAVerifier((RSAKey) jwks.getKeyByKeyId(fresh)))).isTrue();
        me(aliceAfter).expectStatus().isOk();
        me(aliceBefore).expectStatus().isUnauthorized();
        assertThat(revocations("true")).isEqualTo(revokedBefore + 1);
    }

    @Test
    void aPasswordOnlyAdminOrANonAdminCannotRevokeAKey() {
        String kid = keyManager.signingKey().getKeyID();
        String passwordOnly = login("admin", "admin-password").accessToken();
        String alice = stepUp(login("alice", "alice-password")).accessToken();

        for (String token : List.of(passwordOnly, alice)) {
            adminPost("/auth/admin/keys/" + kid + "/revoke", token)
                    .expectStatus().isForbidden()
                    .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectHeader().value(HttpHeaders.WWW_AUTHENTICATE,
                            v -> assertThat(v).startsWith("Bearer error=\"insufficient_scope\""));
        }
        client.post().uri("/auth/admin/keys/" + kid + "/revoke").exchange().expectStatus().isUnauthorized();
        assertThat(jwksKids()).contains(kid);
        assertThat(keyManager.signingKey().getKeyID()).isEqualTo(kid);
    }

    @Test
    void anUnknownKidIsNotFoundAndAMalformedOneIsABadRequest() {
        String admin = stepUp(login("admin", "admin-password")).accessToken();
        List<String> before = jwksKids();

        adminPost("/auth/admin/keys/no-such-kid/revoke", admin)
                .expectStatus().isNotFound()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.status").isEqualTo(404).jsonPath("$.detail").isEqualTo("No signing key with this kid");
        for (String kid : List.of("bad*kid", "k%20id", "x".repeat(129))) {
            adminPost("/auth/admin/keys/" + kid + "/revoke", admin)
                    .expectStatus().isBadRequest()
                    .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectBody().jsonPath("$.status").isEqualTo(400);
        }
        assertThat(jwksKids()).isEqualTo(before);
    }

    @Test
    void revokingKeyAfterKeyNeverLeavesTheServiceWithoutASigningKey() {
        Session adminLogin = login("admin", "admin-password");
        SteppedUp admin = stepUp(adminLogin);
        List<String> pulled = new ArrayList<>();
        String token = admin.accessToken();
        for (int i = 0; i < 3; i++) {
            String signing = keyManager.signingKey().getKeyID();
            String fresh = (String) adminPost("/auth/admin/keys/" + signing + "/revoke", token)
                    .expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody().get("new_signing_kid");
            pulled.add(signing);
            assertThat(jwksKids()).containsExactly(fresh);
            assertThat(kidOf(login("alice", "alice-password").accessToken())).isEqualTo(fresh);
            // the admin's token died with its key: a new login and the next TOTP step
            clock.advance(Duration.ofSeconds(30));
            token = stepUpAgain(login("admin", "admin-password"), admin.secret());
        }
        assertThat(jwksKids()).doesNotContainAnyElementsOf(pulled).hasSize(1);
    }

    @Test
    void parallelRevocationsOfTheSigningKeyPullItOnceAndMakeOneFreshKey() throws Exception {
        // the admin's token is signed by the key that retires here, so it stays good while the signer is pulled
        String admin = stepUp(login("admin", "admin-password")).accessToken();
        adminPost("/auth/admin/keys/rotate", admin).expectStatus().isAccepted();
        clock.advance(Duration.ofMinutes(10));
        String leaked = keyManager.signingKey().getKeyID();
        assertThat(leaked).isNotEqualTo(kidOf(admin));
        CountDownLatch start = new CountDownLatch(1);
        List<Integer> statuses;
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<CompletableFuture<Integer>> answers = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                answers.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return adminPost("/auth/admin/keys/" + leaked + "/revoke", admin).returnResult(String.class)
                            .getStatus().value();
                }, threads));
            }
            start.countDown();
            statuses = answers.stream().map(CompletableFuture::join).toList();
        }

        assertThat(statuses).containsOnly(200, 404).filteredOn(s -> s == 200).hasSize(1);
        assertThat(jwksKids()).hasSize(2).doesNotContain(leaked).contains(kidOf(admin));
        assertThat(keyManager.ring().keys()).hasSize(2);
        assertThat(keyManager.signingKey().getKeyID()).isNotEqualTo(leaked).isNotEqualTo(kidOf(admin));
    }

    private String stepUpAgain(Session session, String secret) {
        return (String) client.post().uri("/auth/mfa/verify")
                .header(HttpHeaders.AUTHORIZATION, bearer(session.accessToken()))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("code", TotpCodes.now(secret, clock)))
                .exchange().expectStatus().isOk()
                .expectBody(Map.class).returnResult().getResponseBody().get("access_token");
    }

    private WebTestClient.ResponseSpec adminPost(String path, String token) {
        return client.post().uri(path).header(HttpHeaders.AUTHORIZATION, bearer(token)).exchange();
    }

    private WebTestClient.ResponseSpec me(String token) {
        return client.get().uri("/auth/me").header(HttpHeaders.AUTHORIZATION, bearer(token)).exchange();
    }

    private JWKSet jwks() throws Exception {
        String body = client.get().uri("/.well-known/jwks.json").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        return JWKSet.parse(body);
    }

    private List<String> jwksKids() {
        try {
            return jwks().getKeys().stream().map(JWK::getKeyID).toList();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private double revocations(String signing) {
        var counter = meters.find("portcullis.auth.key.revocations").tag("signing", signing).counter();
        return counter == null ? 0 : counter.count();
    }

    private static String kidOf(String token) {
        try {
            return SignedJWT.parse(token).getHeader().getKeyID();
        } catch (java.text.ParseException e) {
            throw new AssertionError(e);
        }
    }
}
