package dev.portcullis.gateway.security;

import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.contract.RevocationKeys;
import dev.portcullis.contract.RevocationMessage;
import dev.portcullis.contract.TokenLifetime;
import dev.portcullis.gateway.revocation.RevocationStatus;
import dev.portcullis.gateway.revocation.RevocationFeed;
import dev.portcullis.gateway.revocation.RevocationSet;
import dev.portcullis.gateway.support.GatewayIntegrationTest;
import dev.portcullis.gateway.token.VerifiedToken;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;

/** No token outlives {@code portcullis.jwt.max-token-lifetime}, and no revoke-all expires before it. */
class TokenLifetimeIntegrationTest extends GatewayIntegrationTest {

    /** The shipped default: application.yml reads {@code AUTH_MAX_TOKEN_LIFETIME}, unset in the tests. */
    private static final Duration BOUND = Duration.parse("PT" + TokenLifetime.DEFAULT_MAX.toUpperCase());

    @Autowired
    JwtProperties jwt;

    @Autowired
    RevocationFeed view;

    @Autowired
    RevocationSet revocations;

    @Test
    void theBoundIsTheSharedDefaultOfOneHour() {
        assertThat(jwt.maxTokenLifetime()).isEqualTo(BOUND).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void refusesATokenThatLivesTenYears() {
        Instant now = testClock.instant();
        String token = tokens.forUser("u-decade").issuedAt(now).expiresAt(now.plus(Duration.ofDays(3653))).sign();

        getWithToken("/api/users/me", token).exchange()
                .expectStatus().isUnauthorized()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectHeader().value(HttpHeaders.WWW_AUTHENTICATE, header -> assertThat(header)
                        .contains("error=\"invalid_token\"").contains("lifetime (exp - iat) is longer"))
                .expectBody().jsonPath("$.status").isEqualTo(401)
                .jsonPath("$.type").isEqualTo("urn:portcullis:problem:invalid-token");

        upstream.verify(0, anyRequestedFor(urlPathMatching("/users.*")));
        assertThat(metric("portcullis_gateway_rejections_total", "reason=\"lifetime_too_long\"")).isPositive();
    }

    @Test
    void refusesATokenOneSecondLongerThanTheBound() {
        Instant now = testClock.instant();
        String token = tokens.forUser("u-long").issuedAt(now).expiresAt(now.plus(BOUND).plusSeconds(1)).sign();

        getWithToken("/api/users/me", token).exchange().expectStatus().isUnauthorized();

        upstream.verify(0, anyRequestedFor(urlPathMatching("/users.*")));
    }

    @Test
    void acceptsATokenThatLivesExactlyTheBound() {
        Instant now = testClock.instant();
        String token = tokens.forUser("u-hour").issuedAt(now).expiresAt(now.plus(BOUND)).sign();

        getWithToken("/api/users/me", token).exchange().expectStatus().isOk();

        upstream.verify(1, getRequestedFor(urlPathEqualTo("/users/me")));
    }

    /**
     * Before the fix the revocation view forgot a revoke-all 15 minutes (plus skew) after it was made, while a token
     * may live an hour: a 30-minute-old token of a signed-out user passed again once the view's sweep had run.
     */
    @Test
    void aRevokeAllIsStillEnforcedOnATokenOlderThanFifteenMinutesButWithinTheBound() {
        await().atMost(Duration.ofSeconds(10)).until(view::isLive);
        Instant issued = testClock.instant();
        String token = tokens.forUser("u-signed-out").issuedAt(issued).notBefore(issued).expiresAt(issued.plus(BOUND)).sign();
        getWithToken("/api/users/me", token).exchange().expectStatus().isOk();

        long revokedAt = issued.plusSeconds(1).toEpochMilli();
        publishRevokeAll("u-signed-out", revokedAt);
        // A witness the sweep must drop after the clock moves: revoked 55 minutes before, so 5.5 minutes past the
        // bound (+ skew) once 30 minutes have passed. Seeing it gone proves a sweep ran at the later time.
        long witnessRevokedAt = issued.minus(Duration.ofMinutes(55)).toEpochMilli();
        publishRevokeAll("u-witness", witnessRevokedAt);
        VerifiedToken witness = VerifiedToken.of("u-witness", "jti-witness", issued.minus(Duration.ofMinutes(56)).getEpochSecond(),
                issued.plusSeconds(60), "user", List.of(), List.of(), List.of(), "portcullis-web");
        await().atMost(Duration.ofSeconds(5)).until(() -> revocations.statusOf(witness) == RevocationStatus.REVOKED_SUBJECT);
        getWithToken("/api/users/me", token).exchange().expectStatus().isUnauthorized();

        testClock.advance(Duration.ofMinutes(30));

        await().atMost(Duration.ofSeconds(20)).until(() -> revocations.statusOf(witness) == RevocationStatus.ACTIVE);
        assertThat(view.isLive()).as("the local view answers, not a Redis lookup").isTrue();
        upstream.resetRequests();
        getWithToken("/api/users/me", token).exchange()
                .expectStatus().isUnauthorized()
                .expectBody().jsonPath("$.detail").isEqualTo("The access token was revoked by a sign-out of all sessions");
        upstream.verify(0, anyRequestedFor(urlPathMatching("/users.*")));
    }

    private static void publishRevokeAll(String subject, long revokedAt) {
        redis().set(RevocationKeys.subjectKey(subject), Long.toString(revokedAt));
        redis().publish(RevocationKeys.CHANNEL, new RevocationMessage.SubjectRevoked(subject, revokedAt).encode());
    }
}
