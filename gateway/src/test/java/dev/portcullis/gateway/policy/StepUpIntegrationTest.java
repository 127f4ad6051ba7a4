package dev.portcullis.gateway.policy;

import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.contract.TokenClaims;
import dev.portcullis.gateway.support.GatewayIntegrationTest;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * RFC 9470 step-up challenges: a route asking for an authentication context class ({@code acr}) or a recent
 * authentication ({@code max-age}) answers a valid token that does not meet them with 401
 * {@code error="insufficient_user_authentication"} and the {@code acr_values} / {@code max_age} that would pass.
 */
class StepUpIntegrationTest extends GatewayIntegrationTest {

    private static final String MFA = TokenClaims.ACR_MFA;

    @Test
    void aTokenWithAnotherAcrIsChallengedWithTheAcceptedValuesAndMaxAgeAndNeverReachesTheService() {
        String password = tokens.forUser("u-1").claim(TokenClaims.AUTH_CONTEXT, TokenClaims.ACR_PASSWORD)
                .claim(TokenClaims.AUTH_TIME, now()).sign();

        challenged(getWithToken("/it/step-up/acr", password).exchange(), "Bearer realm=\"portcullis\", "
                        + "error=\"insufficient_user_authentication\", error_description=\"This route requires an "
                        + "authentication context of [urn:example:acr:gold, urn:portcullis:acr:mfa]; step up (POST "
                        + "/auth/mfa/verify)\", acr_values=\"urn:example:acr:gold urn:portcullis:acr:mfa\", max_age=300");
        assertThat(upstream.findAll(getRequestedFor(urlPathEqualTo("/it/step-up/acr")))).isEmpty();
    }

    @Test
    void aTokenWithoutAcrIsChallengedToo() {
        String none = tokens.forUser("u-1").claim(TokenClaims.AUTH_TIME, now()).sign();

        challenged(getWithToken("/it/step-up/no-acr", none).exchange());
        assertThat(upstream.findAll(getRequestedFor(urlPathEqualTo("/it/step-up/no-acr")))).isEmpty();
    }

    @Test
    void anAuthenticationOlderThanMaxAgeIsChallengedWithMaxAgeOnly() {
        String old = tokens.forUser("u-1").claim(TokenClaims.AUTH_TIME, now().minusSeconds(301)).sign();

        challenged(getWithToken("/it/step-up-age/old", old).exchange(), "Bearer realm=\"portcullis\", "
                        + "error=\"insufficient_user_authentication\", error_description=\"This route requires an "
                        + "authentication within the last 300 s: the user authenticated more than 300 s ago; "
                        + "authenticate again\", max_age=300");
        assertThat(upstream.findAll(getRequestedFor(urlPathEqualTo("/it/step-up-age/old")))).isEmpty();
    }

    @Test
    void theSameTokenPassesUntilItsAuthenticationIsMaxAgeOldAndIsChallengedAfter() {
        String recent = tokens.forUser("u-1").claim(TokenClaims.AUTH_TIME, now().minusSeconds(290)).sign();

        getWithToken("/it/step-up-age/before", recent).exchange().expectStatus().isOk();
        testClock.advance(java.time.Duration.ofSeconds(11));
        challenged(getWithToken("/it/step-up-age/after", recent).exchange());

        assertThat(upstream.findAll(getRequestedFor(urlPathEqualTo("/it/step-up-age/before")))).hasSize(1);
        assertThat(upstream.findAll(getRequestedFor(urlPathEqualTo("/it/step-up-age/after")))).isEmpty();
    }

    @Test
    void aTokenThatDoesNotSayWhenTheUserAuthenticatedIsChallenged() {
        String noAuthTime = tokens.forUser("u-1").claim(TokenClaims.AUTH_CONTEXT, MFA).sign();

        assertThat(challenged(getWithToken("/it/step-up/no-auth-time", noAuthTime).exchange()))
                .contains("does not say when the user authenticated");
        assertThat(upstream.findAll(getRequestedFor(urlPathEqualTo("/it/step-up/no-auth-time")))).isEmpty();
    }

    @Test
    void aTokenThatMeetsBothIsForwardedWithItsIdentity() {
        String steppedUp = tokens.forUser("u-1").amr("pwd", "mfa", "otp").claim(TokenClaims.AUTH_CONTEXT, MFA)
                .claim(TokenClaims.AUTH_TIME, now().minusSeconds(60)).sign();

        getWithToken("/it/step-up/ok", steppedUp).exchange().expectStatus().isOk();

        assertThat(upstream.findAll(getRequestedFor(urlPathEqualTo("/it/step-up/ok"))))
                .singleElement().satisfies(request -> assertThat(request.getHeader("x-user-id")).isEqualTo("u-1"));
    }

    @Test
    void anAcrOrAuthTimeOfTheWrongJsonTypeIsRefusedAsAnUnsafeClaim() {
        String acrArray = tokens.forUser("u-1").claim(TokenClaims.AUTH_CONTEXT, java.util.List.of(MFA))
                .claim(TokenClaims.AUTH_TIME, now()).sign();
        String authTimeText = tokens.forUser("u-1").claim(TokenClaims.AUTH_CONTEXT, MFA)
                .claim(TokenClaims.AUTH_TIME, "yesterday").sign();

        for (String token : java.util.List.of(acrArray, authTimeText)) {
            getWithToken("/it/step-up/typed", token).exchange()
                    .expectStatus().isUnauthorized()
                    .expectHeader().value(HttpHeaders.WWW_AUTHENTICATE, value -> assertThat(value)
                            .contains("error=\"invalid_token\"").doesNotContain("acr_values"));
        }
        assertThat(upstream.findAll(getRequestedFor(urlPathEqualTo("/it/step-up/typed")))).isEmpty();
    }

    @Test
    void stepUpRefusalsAreCountedUnderTheirReason() {
        double before = metric("portcullis_gateway_rejections_total", "reason=\"insufficient_user_authentication\"");

        challenged(getWithToken("/it/step-up/counted", tokens.forUser("u-1").sign()).exchange());

        assertThat(metric("portcullis_gateway_rejections_total", "reason=\"insufficient_user_authentication\""))
                .isEqualTo(before + 1);
    }

    /** Asserts an RFC 9470 challenge (with exactly {@code header} when given) and returns the problem body. */
    private static String challenged(WebTestClient.ResponseSpec response, String header) {
        response.expectStatus().isUnauthorized()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectHeader().value(HttpHeaders.WWW_AUTHENTICATE, value -> {
                    assertThat(value).startsWith("Bearer realm=\"portcullis\", error=\"insufficient_user_authentication\"");
                    if (header != null) {
                        assertThat(value).isEqualTo(header);
                    }
                });
        String body = response.expectBody(String.class).returnResult().getResponseBody();
        assertThat(body).contains("\"type\":\"urn:portcullis:problem:insufficient-user-authentication\"")
                .contains("\"title\":\"Step-up authentication required\"").contains("\"status\":401");
        return body;
    }

    private static String challenged(WebTestClient.ResponseSpec response) {
        return challenged(response, null);
    }

    private Instant now() {
        return testClock.instant();
    }
}
