package dev.portcullis.gateway.revocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.contract.RevocationKeys;
import dev.portcullis.contract.RevocationMessage;
import dev.portcullis.gateway.support.GatewayIntegrationTest;
import io.lettuce.core.SetArgs;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;

class RevocationIntegrationTest extends GatewayIntegrationTest {

    @Autowired
    RevocationView view;

    @Test
    void aLoggedOutTokenIsRefusedWithinOneSecondWithoutARedisLookupPerRequest() throws Exception {
        await().atMost(Duration.ofSeconds(10)).until(view::isLive);
        String token = tokens.forUser("u-1").sign();
        getWithToken("/api/users/me", token).exchange().expectStatus().isOk();

        String jti = SignedJWT.parse(token).getJWTClaimsSet().getJWTID();
        long exp = SignedJWT.parse(token).getJWTClaimsSet().getExpirationTime().getTime();
        revokeToken(jti, exp);

        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20)).untilAsserted(() ->
                getWithToken("/api/users/me", token).exchange()
                        .expectStatus().isUnauthorized()
                        .expectHeader().value(HttpHeaders.WWW_AUTHENTICATE, v -> assertThat(v).contains("invalid_token"))
                        .expectBody().jsonPath("$.detail").isEqualTo("The access token has been revoked"));
        assertThat(view.isLive()).as("answered by the local view").isTrue();
    }

    @Test
    void revokeAllRefusesOlderTokensAndAcceptsOneIssuedInTheSameSecondAfterIt() {
        await().atMost(Duration.ofSeconds(10)).until(view::isLive);
        Instant now = testClock.instant();
        String older = tokens.forUser("u-2").issuedAt(now.minusSeconds(5)).notBefore(now.minusSeconds(5)).sign();
        String otherUser = tokens.forUser("u-3").issuedAt(now.minusSeconds(5)).sign();
        getWithToken("/api/users/me", older).exchange().expectStatus().isOk();

        long revokedAt = now.toEpochMilli();
        redis().set(RevocationKeys.subjectKey("u-2"), Long.toString(revokedAt), SetArgs.Builder.px(Duration.ofMinutes(16).toMillis()));
        redis().publish(RevocationKeys.CHANNEL, new RevocationMessage.SubjectRevoked("u-2", revokedAt).encode());

        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20)).untilAsserted(() ->
                getWithToken("/api/users/me", older).exchange().expectStatus().isUnauthorized());
        Instant reissued = Instant.ofEpochSecond(RevocationKeys.earliestIssuedAtAfter(revokedAt));
        String newer = tokens.forUser("u-2").issuedAt(reissued).notBefore(reissued).sign();
        getWithToken("/api/users/me", newer).exchange().expectStatus().isOk();
        getWithToken("/api/users/me", otherUser).exchange().expectStatus().isOk();
    }

    @Test
    void theViewPicksUpRevocationsWrittenBeforeItSubscribedByResyncing() {
        await().atMost(Duration.ofSeconds(10)).until(view::isLive);
        String token = tokens.forUser("u-4").sign();
        String jti = jtiOf(token);
        // written without a message, as if published while this instance was disconnected
        redis().set(RevocationKeys.jtiKey(jti), "1", SetArgs.Builder.px(Duration.ofMinutes(16).toMillis()));
        getWithToken("/api/users/me", token).exchange().expectStatus().isOk();

        view.resync("test");

        await().atMost(Duration.ofSeconds(2)).untilAsserted(() ->
                getWithToken("/api/users/me", token).exchange().expectStatus().isUnauthorized());
    }

    @Test
    void reportsTheViewAsLiveOnTheManagementPort() {
        await().atMost(Duration.ofSeconds(10)).until(view::isLive);
        String metrics = management().get().uri("/actuator/prometheus").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(metrics).contains("portcullis_revocation_view_live{application=\"portcullis-gateway\"} 1.0");
    }

    private void revokeToken(String jti, long expiresAtMillis) {
        redis().set(RevocationKeys.jtiKey(jti), "1", SetArgs.Builder.px(expiresAtMillis - System.currentTimeMillis() + 30_000));
        redis().publish(RevocationKeys.CHANNEL, new RevocationMessage.TokenRevoked(jti, expiresAtMillis).encode());
    }

    private static String jtiOf(String token) {
        try {
            return SignedJWT.parse(token).getJWTClaimsSet().getJWTID();
        } catch (java.text.ParseException e) {
            throw new IllegalStateException(e);
        }
    }
}
