package dev.portcullis.auth.mfa;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.auth.support.AuthServiceTestBase;
import dev.portcullis.contract.TokenClaims;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;

/**
 * The claims a resource server needs to send an RFC 9470 step-up challenge and to judge the answer: {@code acr} says
 * how the user authenticated ({@code urn:portcullis:acr:pwd} or, after TOTP, {@code urn:portcullis:acr:mfa}) and
 * {@code auth_time} when: the login, or the step-up; a refresh is no authentication and keeps the login's instant.
 */
class StepUpClaimsTest extends AuthServiceTestBase {

    @Test
    void aPasswordLoginSaysPwdAndItsOwnInstant() throws ParseException {
        Instant loginAt = clock.instant();

        JWTClaimsSet claims = claims(login("alice", "alice-password").accessToken());

        assertThat(claims.getStringClaim(TokenClaims.AUTH_CONTEXT)).isEqualTo(TokenClaims.ACR_PASSWORD);
        assertThat(claims.getLongClaim(TokenClaims.AUTH_TIME)).isEqualTo(loginAt.getEpochSecond());
        assertThat(claims.getStringListClaim(TokenClaims.AUTH_METHODS)).containsExactly(TokenClaims.AMR_PASSWORD);
    }

    @Test
    void aTotpStepUpSaysMfaAndTheInstantOfTheStepUpAndKeepsAmr() throws ParseException {
        Session session = login("alice", "alice-password");
        clock.advance(Duration.ofMinutes(7));
        Instant stepUpAt = clock.instant();

        JWTClaimsSet claims = claims(stepUp(session).accessToken());

        assertThat(claims.getStringClaim(TokenClaims.AUTH_CONTEXT)).isEqualTo(TokenClaims.ACR_MFA);
        assertThat(claims.getLongClaim(TokenClaims.AUTH_TIME)).isEqualTo(stepUpAt.getEpochSecond());
        assertThat(claims.getStringListClaim(TokenClaims.AUTH_METHODS))
                .containsExactly(TokenClaims.AMR_PASSWORD, TokenClaims.AMR_MFA, TokenClaims.AMR_OTP);
    }

    @Test
    void aRefreshKeepsTheLoginsAuthTimeAcrossRotations() throws ParseException {
        Instant loginAt = clock.instant();
        Session session = loginForBody("alice", "alice-password");

        clock.advance(Duration.ofMinutes(20));
        Map<?, ?> first = refresh(session.refreshToken());
        clock.advance(Duration.ofMinutes(20));
        Map<?, ?> second = refresh((String) first.get("refresh_token"));

        for (Map<?, ?> refreshed : new Map<?, ?>[] {first, second}) {
            JWTClaimsSet claims = claims((String) refreshed.get("access_token"));
            assertThat(claims.getLongClaim(TokenClaims.AUTH_TIME)).isEqualTo(loginAt.getEpochSecond());
            assertThat(claims.getStringClaim(TokenClaims.AUTH_CONTEXT)).isEqualTo(TokenClaims.ACR_PASSWORD);
            assertThat(claims.getIssueTime().toInstant()).isAfter(loginAt.plus(Duration.ofMinutes(19)));
        }
    }

    private Map<?, ?> refresh(String refreshToken) {
        return client.post().uri("/auth/refresh").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("refresh_token", refreshToken)).exchange()
                .expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();
    }

    private static JWTClaimsSet claims(String token) throws ParseException {
        return SignedJWT.parse(token).getJWTClaimsSet();
    }
}
