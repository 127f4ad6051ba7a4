package dev.portcullis.auth.mfa;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.auth.support.AuthServiceTestBase;
import dev.portcullis.contract.TokenClaims;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

class MfaTest extends AuthServiceTestBase {

    @Autowired
    private SecretCipher cipher;

    @Test
    void enrolmentShowsTheSecretOnceAndStoresItEncrypted() {
        Session session = login("alice", "alice-password");
        Map<?, ?> enrolled = enroll(session.accessToken());
        String secret = (String) enrolled.get("secret");
        assertThat(secret).matches("[A-Z2-7]{32}");
        assertThat((String) enrolled.get("otpauth_uri"))
                .startsWith("otpauth://totp/Portcullis:alice?secret=" + secret)
                .contains("issuer=Portcullis", "algorithm=SHA1", "digits=6", "period=30");

        Map<String, String> stored = redis.hgetall("auth:mfa:{u-alice}");
        assertThat(stored).containsEntry("status", "pending");
        assertThat(stored.get("secret")).doesNotContain(secret);
        assertThat(cipher.decrypt(stored.get("secret"), "u-alice")).isEqualTo(Base32.decode(secret));
    }

    @Test
    void aValidCodeAnswersATokenWithMfaInAmrAndCannotBeUsedTwice() throws Exception {
        clock.set(Instant.ofEpochSecond(1_900_000_015L));
        Session session = login("alice", "alice-password");
        byte[] secret = Base32.decode((String) enroll(session.accessToken()).get("secret"));
        String code = Totp.code(secret, Totp.step(clock.instant()));

        String stepped = (String) verify(session.accessToken(), code).expectStatus().isOk()
                .expectBody(Map.class).returnResult().getResponseBody().get("access_token");
        var claims = SignedJWT.parse(stepped).getJWTClaimsSet();
        assertThat(claims.getStringListClaim(TokenClaims.AUTH_METHODS))
                .containsExactly(TokenClaims.AMR_PASSWORD, TokenClaims.AMR_MFA, TokenClaims.AMR_OTP);
        assertThat(claims.getSubject()).isEqualTo("u-alice");
        assertThat(redis.hget("auth:mfa:{u-alice}", "status")).isEqualTo("active");

        verify(session.accessToken(), code).expectStatus().isUnauthorized()
                .expectBody().jsonPath("$.detail").value(d -> assertThat((String) d).contains("already used"));
        // the previous step's code is older than the accepted one: refused as well
        verify(session.accessToken(), Totp.code(secret, Totp.step(clock.instant()) - 1)).expectStatus().isUnauthorized();
        // the next step works once its time has come
        clock.advance(Duration.ofSeconds(30));
        verify(session.accessToken(), Totp.code(secret, Totp.step(clock.instant()))).expectStatus().isOk();
    }

    @Test
    void wrongCodesAreBoundedThenLockedOutAndTheLockOutExpires() {
        clock.set(Instant.ofEpochSecond(1_900_000_015L));
        Session session = login("bob", "bob-password");
        byte[] secret = Base32.decode((String) enroll(session.accessToken()).get("secret"));
        String good = Totp.code(secret, Totp.step(clock.instant()));
        String bad = good.equals("000000") ? "111111" : "000000";
        for (int i = 0; i < 5; i++) {
            verify(session.accessToken(), bad).expectStatus().isUnauthorized();
        }
        verify(session.accessToken(), good).expectStatus().isEqualTo(429)
                .expectHeader().valueEquals(HttpHeaders.RETRY_AFTER, "30")
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON);

        clock.advance(Duration.ofSeconds(31));
        verify(session.accessToken(), Totp.code(secret, Totp.step(clock.instant()))).expectStatus().isOk();
    }

    @Test
    void activeEnrolmentIsNotReplacedWithoutAStepUpToken() {
        Session session = login("alice", "alice-password");
        SteppedUp stepped = stepUp(session);
        String active = redis.hget(KEY, "secret");
        // password-only: refused, with or without a code of the active secret
        enroll(session.accessToken(), null).expectStatus().isEqualTo(409)
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON);
        clock.advance(Duration.ofSeconds(30));
        enroll(session.accessToken(), TotpCodes.now(stepped.secret(), clock)).expectStatus().isEqualTo(409);
        assertThat(redis.hget(KEY, "secret")).isEqualTo(active);
        assertThat(redis.hexists(KEY, "next")).isFalse();
    }

    @Test
    void reEnrolmentNeedsACurrentCodeOfTheActiveSecretAndKeepsItActiveUntilTheNewOneIsVerified() {
        clock.set(Instant.ofEpochSecond(1_900_000_015L));
        Session session = login("alice", "alice-password");
        SteppedUp stepped = stepUp(session);
        String oldSecret = stepped.secret();

        // an mfa token alone is not enough: a current code of the active secret, not used before, is needed
        enroll(stepped.accessToken(), null).expectStatus().isBadRequest()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON);
        enroll(stepped.accessToken(), TotpCodes.now(oldSecret, clock)).expectStatus().isUnauthorized()
                .expectBody().jsonPath("$.detail").value(d -> assertThat((String) d).contains("already used"));
        enroll(stepped.accessToken(), wrongCode(oldSecret)).expectStatus().isUnauthorized()
                .expectBody().jsonPath("$.detail").isEqualTo("Invalid code");
        assertThat(redis.hexists(KEY, "next")).isFalse();

        clock.advance(Duration.ofSeconds(30));
        String newSecret = (String) enroll(stepped.accessToken(), TotpCodes.now(oldSecret, clock))
                .expectStatus().isCreated().expectBody(Map.class).returnResult().getResponseBody().get("secret");
        assertThat(newSecret).isNotEqualTo(oldSecret);
        assertThat(cipher.decrypt(redis.hget(KEY, "secret"), "u-alice")).isEqualTo(Base32.decode(oldSecret));
        assertThat(cipher.decrypt(redis.hget(KEY, "next"), "u-alice")).isEqualTo(Base32.decode(newSecret));
        assertThat(redis.hget(KEY, "status")).isEqualTo("active");
        // a password-only token can neither replace the pending new device nor start another
        String pendingNext = redis.hget(KEY, "next");
        enroll(session.accessToken(), null).expectStatus().isEqualTo(409);
        assertThat(redis.hget(KEY, "next")).isEqualTo(pendingNext);

        // the old device keeps working while the new one is not verified
        clock.advance(Duration.ofSeconds(30));
        verify(session.accessToken(), TotpCodes.now(oldSecret, clock)).expectStatus().isOk();
        assertThat(cipher.decrypt(redis.hget(KEY, "secret"), "u-alice")).isEqualTo(Base32.decode(oldSecret));

        // the new device's first good code makes it the active one, and the old one stops working
        clock.advance(Duration.ofSeconds(30));
        verify(session.accessToken(), TotpCodes.now(newSecret, clock)).expectStatus().isOk();
        assertThat(cipher.decrypt(redis.hget(KEY, "secret"), "u-alice")).isEqualTo(Base32.decode(newSecret));
        assertThat(redis.hexists(KEY, "next")).isFalse();
        clock.advance(Duration.ofSeconds(30));
        verify(session.accessToken(), TotpCodes.now(oldSecret, clock)).expectStatus().isUnauthorized();
        verify(session.accessToken(), TotpCodes.now(newSecret, clock)).expectStatus().isOk();
    }

    @Test
    void aReplacementThatIsNeverVerifiedExpiresAndTheActiveSecretStays() {
        clock.set(Instant.ofEpochSecond(1_900_000_015L));
        Session session = login("alice", "alice-password");
        SteppedUp stepped = stepUp(session);
        clock.advance(Duration.ofSeconds(30));
        String newSecret = (String) enroll(stepped.accessToken(), TotpCodes.now(stepped.secret(), clock))
                .expectStatus().isCreated().expectBody(Map.class).returnResult().getResponseBody().get("secret");

        clock.advance(Duration.ofMinutes(10).plusSeconds(1));
        verify(session.accessToken(), TotpCodes.now(newSecret, clock)).expectStatus().isUnauthorized();
        verify(session.accessToken(), TotpCodes.now(stepped.secret(), clock)).expectStatus().isOk();
        assertThat(cipher.decrypt(redis.hget(KEY, "secret"), "u-alice")).isEqualTo(Base32.decode(stepped.secret()));
    }

    @Test
    void aPendingFirstEnrolmentIsRestartedOnlyWithTheSameTokenOrAfterItExpires() {
        Session owner = login("alice", "alice-password");
        Session passwordThief = login("alice", "alice-password", "203.0.113.5");
        String first = (String) enroll(owner.accessToken(), null).expectStatus().isCreated()
                .expectBody(Map.class).returnResult().getResponseBody().get("secret");

        // another password-only token cannot swap the secret the owner is scanning
        enroll(passwordThief.accessToken(), null).expectStatus().isEqualTo(409)
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.detail").value(d -> assertThat((String) d).contains("pending"));
        assertThat(cipher.decrypt(redis.hget(KEY, "secret"), "u-alice")).isEqualTo(Base32.decode(first));

        // the owner's own token may start again (a lost QR code): the new secret replaces the first
        String second = (String) enroll(owner.accessToken(), null).expectStatus().isCreated()
                .expectBody(Map.class).returnResult().getResponseBody().get("secret");
        assertThat(cipher.decrypt(redis.hget(KEY, "secret"), "u-alice")).isEqualTo(Base32.decode(second));
        assertThat(redis.pttl(KEY)).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(10).toMillis());

        // after the enrolment lifetime the pending secret is dead, and anyone holding a user token may start over
        clock.advance(Duration.ofMinutes(10).plusSeconds(1));
        verify(owner.accessToken(), TotpCodes.now(second, clock)).expectStatus().isEqualTo(409);
        enroll(passwordThief.accessToken(), null).expectStatus().isCreated();
    }

    @Test
    void verifyRefusesBadInputAndMissingEnrolment() {
        Session session = login("alice", "alice-password");
        verify(session.accessToken(), "123456").expectStatus().isEqualTo(409);
        for (String body : new String[] {"{}", "{\"code\":123456}", "{\"code\":\"12345\"}",
                "{\"code\":\"\u0661\u0662\u0663\u0664\u0665\u0666\"}", "nope"}) {
            client.post().uri("/auth/mfa/verify").header(HttpHeaders.AUTHORIZATION, bearer(session.accessToken()))
                    .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange()
                    .expectStatus().isBadRequest()
                    .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON);
        }
        client.post().uri("/auth/mfa/enroll").exchange().expectStatus().isUnauthorized();
    }

    private static final String KEY = "auth:mfa:{u-alice}";

    private WebTestClient.ResponseSpec enroll(String accessToken, String code) {
        WebTestClient.RequestBodySpec request = client.post().uri("/auth/mfa/enroll")
                .header(HttpHeaders.AUTHORIZATION, bearer(accessToken));
        return code == null ? request.exchange()
                : request.contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("code", code)).exchange();
    }

    private String wrongCode(String secret) {
        String good = TotpCodes.now(secret, clock);
        return good.equals("000000") ? "111111" : "000000";
    }

    private Map<?, ?> enroll(String accessToken) {
        return client.post().uri("/auth/mfa/enroll").header(HttpHeaders.AUTHORIZATION, bearer(accessToken))
                .exchange().expectStatus().isCreated()
                .expectHeader().cacheControl(org.springframework.http.CacheControl.noStore())
                .expectBody(Map.class).returnResult().getResponseBody();
    }

    private WebTestClient.ResponseSpec verify(String accessToken, String code) {
        return client.post().uri("/auth/mfa/verify").header(HttpHeaders.AUTHORIZATION, bearer(accessToken))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("code", code)).exchange();
    }
}
