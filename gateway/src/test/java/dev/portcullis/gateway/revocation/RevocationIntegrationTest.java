package dev.portcullis.gateway.revocation;

import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.contract.RevocationKeys;
import dev.portcullis.contract.RevocationMessage;
import dev.portcullis.gateway.support.GatewayIntegrationTest;
import dev.portcullis.testsupport.TestRevocations;
import io.lettuce.core.SetArgs;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;

class RevocationIntegrationTest extends GatewayIntegrationTest {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RevocationIntegrationTest.class);

    @Autowired
    RevocationFeed view;

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
        write(new RevocationMessage.SubjectRevoked("u-2", revokedAt), RevocationKeys.CHANNEL);

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
        // the gauge follows the view; on a loaded machine a heartbeat may come late between the two reads
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(management().get().uri("/actuator/prometheus")
                .exchange().expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody())
                .contains("portcullis_revocation_view_live{application=\"portcullis-gateway\"} 1.0"));
    }

    @Test
    void aRevocationWhoseMessageNeverArrivesIsStillEnforcedWithinOneSecond() {
        awaitViewCaughtUp();
        String token = tokens.forUser("u-5").sign();
        getWithToken("/api/users/me", token).exchange().expectStatus().isOk();
        double silentGapsBefore = metric("portcullis_revocation_view_gaps_total", "reason=\"silent\"");

        // the issuer's own script, its message sent where no gateway listens: the key and the sequence move, the
        // message is lost (as if the subscriber connection had dropped it)
        long dropped = System.nanoTime();
        write(new RevocationMessage.TokenRevoked(jtiOf(token), expiryOf(token)), "revocations-nobody-listens");

        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(10)).untilAsserted(() ->
                getWithToken("/api/users/me", token).exchange().expectStatus().isUnauthorized()
                        .expectBody().jsonPath("$.detail").isEqualTo("The access token has been revoked"));
        log.info("event=test_measurement what=dropped_message_to_enforcement took_ms={}",
                Duration.ofNanos(System.nanoTime() - dropped).toMillis());
        assertThat(metric("portcullis_revocation_view_gaps_total", "reason=\"silent\"")).isGreaterThan(silentGapsBefore);
        // repaired: the view answers on its own again, and knows the revocation
        await().atMost(Duration.ofSeconds(1)).until(view::isLive);
        int reached = upstream.findAll(anyRequestedFor(urlPathEqualTo("/users/me"))).size();
        getWithToken("/api/users/me", token).exchange().expectStatus().isUnauthorized();
        assertThat(upstream.findAll(anyRequestedFor(urlPathEqualTo("/users/me")))).hasSize(reached);
    }

    @Test
    void aSequenceThatJumpsInTheMessagesMakesTheViewResyncAndEnforceTheMissedRevocation() {
        awaitViewCaughtUp();
        String missed = tokens.forUser("u-6").sign();
        String heard = tokens.forUser("u-7").sign();
        getWithToken("/api/users/me", missed).exchange().expectStatus().isOk();
        double jumpsBefore = metric("portcullis_revocation_view_gaps_total", "reason=\"jump\"");

        // two revocations in one transaction (no sequence read can fall between them); only the second is heard, so
        // its sequence is two above the last one the view applied
        redis().multi();
        write(new RevocationMessage.TokenRevoked(jtiOf(missed), expiryOf(missed)), "revocations-nobody-listens");
        write(new RevocationMessage.TokenRevoked(jtiOf(heard), expiryOf(heard)), RevocationKeys.CHANNEL);
        redis().exec();

        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(10)).untilAsserted(() -> {
            getWithToken("/api/users/me", missed).exchange().expectStatus().isUnauthorized();
            getWithToken("/api/users/me", heard).exchange().expectStatus().isUnauthorized();
        });
        assertThat(metric("portcullis_revocation_view_gaps_total", "reason=\"jump\"")).isGreaterThan(jumpsBefore);
        await().atMost(Duration.ofSeconds(1)).until(view::isLive);
    }

    @Test
    void aMessageOfTheFormatWithoutASequenceIsStillAppliedAndBreaksNothing() {
        await().atMost(Duration.ofSeconds(10)).until(view::isLive);
        String token = tokens.forUser("u-8").sign();
        getWithToken("/api/users/me", token).exchange().expectStatus().isOk();
        // an issuer of the previous release: SET, then PUBLISH "jti <jti> <exp>", the sequence untouched
        redis().set(RevocationKeys.jtiKey(jtiOf(token)), "1", SetArgs.Builder.px(Duration.ofMinutes(16).toMillis()));
        redis().publish(RevocationKeys.CHANNEL, "jti " + jtiOf(token) + " " + expiryOf(token));
        redis().publish(RevocationKeys.CHANNEL, "jti garbage");

        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20)).untilAsserted(() ->
                getWithToken("/api/users/me", token).exchange().expectStatus().isUnauthorized());
        assertThat(view.isLive()).isTrue();
        getWithToken("/api/users/me", tokens.forUser("u-9").sign()).exchange().expectStatus().isOk();
    }

    @Test
    void aSequenceThatGoesBackwardsBecauseRedisLostItsDataMakesTheViewResync() {
        awaitViewCaughtUp();
        for (int i = 0; i < 3; i++) {
            write(new RevocationMessage.TokenRevoked("old-" + i, testClock.millis() + 60_000), RevocationKeys.CHANNEL);
        }
        await().atMost(Duration.ofSeconds(2)).until(() -> view.appliedSequence() == 3);
        double resetsBefore = metric("portcullis_revocation_view_gaps_total", "reason=\"reset\"");
        String token = tokens.forUser("u-10").sign();
        // the view has applied sequence 3; Redis restarts empty and the next revocation gets 1, its message lost
        redis().flushall();
        write(new RevocationMessage.TokenRevoked(jtiOf(token), expiryOf(token)), "revocations-nobody-listens");

        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(10)).untilAsserted(() ->
                getWithToken("/api/users/me", token).exchange().expectStatus().isUnauthorized());
        assertThat(metric("portcullis_revocation_view_gaps_total", "reason=\"reset\"")).isGreaterThan(resetsBefore);
    }

    /** Redis was emptied before the test: wait until the view has noticed and follows the new sequence. */
    private void awaitViewCaughtUp() {
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            String current = redis().get(RevocationKeys.SEQUENCE_KEY);
            return view.isLive() && view.appliedSequence() == (current == null ? 0 : Long.parseLong(current));
        });
    }

    private void revokeToken(String jti, long expiresAtMillis) {
        write(new RevocationMessage.TokenRevoked(jti, expiresAtMillis), RevocationKeys.CHANNEL);
    }

    private static void write(RevocationMessage revocation, String channel) {
        TestRevocations.write(redis(), revocation, channel);
    }

    private static long expiryOf(String token) {
        try {
            return SignedJWT.parse(token).getJWTClaimsSet().getExpirationTime().getTime();
        } catch (java.text.ParseException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String jtiOf(String token) {
        try {
            return SignedJWT.parse(token).getJWTClaimsSet().getJWTID();
        } catch (java.text.ParseException e) {
            throw new IllegalStateException(e);
        }
    }
}
