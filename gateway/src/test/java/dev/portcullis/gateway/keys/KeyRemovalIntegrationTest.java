package dev.portcullis.gateway.keys;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.contract.IdentityHeaders;
import dev.portcullis.gateway.security.JwtProperties;
import dev.portcullis.gateway.security.TrustedIssuers;
import dev.portcullis.gateway.support.TokenDefencesIntegrationTest;
import dev.portcullis.testsupport.TestKeys;
import dev.portcullis.testsupport.TokenFactory;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;

/**
 * A key pulled from the JWKS stops working within the poll interval, for cached verifications
 * too, and only its own tokens stop working.
 */
class KeyRemovalIntegrationTest extends TokenDefencesIntegrationTest {

    /** A: the key that is pulled. B ({@link TestKeys#RSA}) stays, as every other test context expects. */
    private static final TokenFactory keyA = new TokenFactory(TestKeys.RSA_NEXT, ISSUER, AUDIENCE, clock);

    @Autowired
    TrustedIssuers issuers;

    JwksKeyStore keys;

    @org.junit.jupiter.api.BeforeEach
    void defaultIssuersKeys() {
        keys = issuers.keys(JwtProperties.DEFAULT_ISSUER_ID);
    }

    @Autowired
    MeterRegistry meters;

    @AfterEach
    void publishOnlyTheDefaultKey() {
        publishKeys();
    }

    @Test
    void aPulledKeysTokensAreRefusedWithinThePollIntervalCachedOrNotWhileTheOtherKeysTokensStillPass() {
        String address = freshAddress();
        publishKeys(TestKeys.RSA, TestKeys.RSA_NEXT);
        await().atMost(Duration.ofSeconds(10)).until(() -> keys.keyIds().contains(TestKeys.RSA_NEXT.getKeyID()));
        String tokenA = keyA.forUser("u-key-a").sign();
        String tokenB = tokens.forUser("u-key-b").sign();
        getWithToken("/api/users/me", tokenA, address).exchange().expectStatus().isOk();
        getWithToken("/api/users/me", tokenB, address).exchange().expectStatus().isOk();
        double checks = signatureChecks();
        getWithToken("/api/users/me", tokenA, address).exchange().expectStatus().isOk();
        getWithToken("/api/users/me", tokenB, address).exchange().expectStatus().isOk();
        assertThat(signatureChecks()).as("both answered from the verified-token cache").isEqualTo(checks);
        double removedBefore = counter("portcullis.jwks.keys.removed");
        double evictedBefore = counter("portcullis.verified_tokens.key_removal_evictions");

        publishKeys(TestKeys.RSA);
        long pulledAt = System.nanoTime();

        await().atMost(Duration.ofSeconds(POLL_INTERVAL_SECONDS + 2)).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
                getWithToken("/api/users/me", tokenA, address).exchange().expectStatus().isUnauthorized());
        Duration tookToRefuse = Duration.ofNanos(System.nanoTime() - pulledAt);
        System.out.printf("key removal -> refusal of its cached token: %d ms (poll interval %d s)%n",
                tookToRefuse.toMillis(), POLL_INTERVAL_SECONDS);

        upstream.resetRequests();
        getWithToken("/api/users/me", tokenA, address).exchange()
                .expectStatus().isUnauthorized()
                .expectHeader().value(HttpHeaders.WWW_AUTHENTICATE, header -> assertThat(header).contains("error=\"invalid_token\""))
                .expectBody().jsonPath("$.detail").isEqualTo("The token was signed with an unknown key");
        getWithToken("/api/users/me", tokenB, address).exchange().expectStatus().isOk();
        upstream.verify(0, getRequestedFor(urlPathEqualTo("/users/me")).withHeader(IdentityHeaders.USER_ID, equalTo("u-key-a")));
        upstream.verify(1, getRequestedFor(urlPathEqualTo("/users/me")).withHeader(IdentityHeaders.USER_ID, equalTo("u-key-b")));
        assertThat(counter("portcullis.jwks.keys.removed") - removedBefore).isEqualTo(1.0);
        assertThat(counter("portcullis.verified_tokens.key_removal_evictions") - evictedBefore)
                .as("A's token left the cache, B's stayed").isEqualTo(1.0);
        assertThat(signatureChecks()).as("B is still answered from the cache").isEqualTo(checks);
    }

    @Test
    void aKeyPublishedAgainAfterItWasPulledIsTrustedAgainAfterAFullCheckOfItsTokens() {
        String address = freshAddress();
        publishKeys(TestKeys.RSA, TestKeys.RSA_NEXT);
        await().atMost(Duration.ofSeconds(10)).until(() -> keys.keyIds().contains(TestKeys.RSA_NEXT.getKeyID()));
        String tokenA = keyA.forUser("u-key-a2").sign();
        getWithToken("/api/users/me", tokenA, address).exchange().expectStatus().isOk();
        publishKeys(TestKeys.RSA);
        await().atMost(Duration.ofSeconds(POLL_INTERVAL_SECONDS + 2)).until(() -> !keys.keyIds().contains(TestKeys.RSA_NEXT.getKeyID()));
        getWithToken("/api/users/me", tokenA, address).exchange().expectStatus().isUnauthorized();

        publishKeys(TestKeys.RSA, TestKeys.RSA_NEXT);
        await().atMost(Duration.ofSeconds(POLL_INTERVAL_SECONDS + 2)).until(() -> keys.keyIds().contains(TestKeys.RSA_NEXT.getKeyID()));
        double checks = signatureChecks();
        upstream.resetRequests();

        getWithToken("/api/users/me", tokenA, address).exchange().expectStatus().isOk();

        assertThat(signatureChecks() - checks).as("verified again, not served from a stale cache entry").isEqualTo(1.0);
        upstream.verify(1, getRequestedFor(urlPathEqualTo("/users/me")).withHeader(IdentityHeaders.USER_ID, equalTo("u-key-a2")));
    }

    private double signatureChecks() {
        return meters.get("portcullis.jwt.signature_checks").counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private double counter(String name) {
        return meters.get(name).counter().count();
    }
}
