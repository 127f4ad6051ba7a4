package dev.portcullis.e2e;

import static dev.portcullis.e2e.support.Accounts.ALICE;
import static dev.portcullis.e2e.support.Accounts.ALICE_ID;
import static dev.portcullis.e2e.support.Accounts.ALICE_PASSWORD;
import static dev.portcullis.e2e.support.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.e2e.support.Client;
import dev.portcullis.e2e.support.EndToEndTest;
import dev.portcullis.e2e.support.Gateway;
import dev.portcullis.e2e.support.Response;
import dev.portcullis.e2e.support.Session;
import org.junit.jupiter.api.Test;

/**
 * The browser's refresh flow through the gateway: the HttpOnly cookie is traded for a new access token and a rotated
 * cookie at once, and a spent refresh token presented again kills its whole family (RFC 9700 reuse detection).
 */
@EndToEndTest
class RefreshTokenEndToEndTest {

    @Test
    void refreshingWithTheCookieGivesANewAccessTokenThatWorksAtOnce(Gateway gateway) {
        Client browser = gateway.newClient();
        Session login = browser.login(ALICE, ALICE_PASSWORD);

        Response refreshed = browser.refresh(login.refreshCookie());

        assertThat(refreshed.status()).as("%s", refreshed).isEqualTo(200);
        String accessToken = refreshed.json().path("access_token").asString();
        assertThat(accessToken).isNotBlank().isNotEqualTo(login.accessToken());
        assertThat(refreshed.refreshCookie()).hasValueSatisfying(
                cookie -> assertThat(cookie).isNotEqualTo(login.refreshCookie()));
        Response me = browser.get("/api/users/me").bearer(accessToken).send();
        assertThat(me.status()).as("%s", me).isEqualTo(200);
        assertThat(me.json().path("id").asString()).isEqualTo(ALICE_ID);
    }

    @Test
    void theCookieFlowWithoutTheCsrfHeaderIsRefused(Gateway gateway) {
        Client browser = gateway.newClient();
        Session login = browser.login(ALICE, ALICE_PASSWORD);

        assertProblem(browser.post("/auth/refresh").cookie("refresh_token", login.refreshCookie()).send(), 403);
        assertThat(browser.refresh(login.refreshCookie()).status()).isEqualTo(200);
    }

    /**
     * A token two rotations old is no longer the family's "previous" token, so it is reuse at once, whatever the
     * reuse grace: no waiting needed.
     */
    @Test
    void replayingASpentRefreshTokenRevokesTheWholeFamily(Gateway gateway) {
        Client browser = gateway.newClient();
        Session login = browser.login(ALICE, ALICE_PASSWORD);
        String first = login.refreshCookie();
        String second = rotate(browser, first);
        String third = rotate(browser, second);
        Session otherDevice = gateway.newClient().login(ALICE, ALICE_PASSWORD);

        Response replay = browser.refresh(first);

        assertProblem(replay, 401);
        Response legitimate = browser.refresh(third);
        assertProblem(legitimate, 401);
        assertThat(legitimate.refreshCookie()).as("the refused cookie is cleared").isEmpty();
        // another family (another login) of the same user lives on
        assertThat(gateway.newClient().refresh(otherDevice.refreshCookie()).status()).isEqualTo(200);
    }

    @Test
    void aRefreshRacingTheOneBeforeItIsRefusedWithoutRevokingTheFamily(Gateway gateway) {
        Client browser = gateway.newClient();
        String first = browser.login(ALICE, ALICE_PASSWORD).refreshCookie();
        String second = rotate(browser, first);

        // a second tab presenting the token just replaced, within the 2 s reuse grace
        assertProblem(browser.refresh(first), 409);

        assertThat(browser.refresh(second).status()).isEqualTo(200);
    }

    private static String rotate(Client browser, String refreshCookie) {
        Response refreshed = browser.refresh(refreshCookie);
        assertThat(refreshed.status()).as("%s", refreshed).isEqualTo(200);
        return refreshed.refreshCookie().orElseThrow();
    }
}
