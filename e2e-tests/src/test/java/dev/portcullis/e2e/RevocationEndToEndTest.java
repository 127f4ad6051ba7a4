package dev.portcullis.e2e;

import static dev.portcullis.e2e.support.Problems.assertInvalidToken;
import static dev.portcullis.e2e.support.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.e2e.support.Accounts;
import dev.portcullis.e2e.support.Accounts.Credentials;
import dev.portcullis.e2e.support.Client;
import dev.portcullis.e2e.support.EndToEndTest;
import dev.portcullis.e2e.support.Gateway;
import dev.portcullis.e2e.support.Response;
import dev.portcullis.e2e.support.Session;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Logout and revoke-all are enforced at the gateway, on tokens it had already verified and cached, within 1 s. */
@EndToEndTest
class RevocationEndToEndTest {

    private static final Duration ENFORCED_WITHIN = Duration.ofSeconds(1);

    @Test
    void afterLogoutTheOldAccessTokenIsRefusedAtTheGatewayWithinOneSecond(Gateway gateway) {
        Credentials user = Accounts.createUser(gateway, "logout");
        Client browser = gateway.newClient();
        Session session = browser.login(user.username(), user.password());
        assertThat(browser.get("/api/orders").bearer(session.accessToken()).send().status()).isEqualTo(200);

        Response logout = browser.post("/auth/logout").bearer(session.accessToken())
                .cookie("refresh_token", session.refreshCookie()).send();

        assertThat(logout.status()).as("%s", logout).isEqualTo(204);
        await().atMost(ENFORCED_WITHIN).pollInterval(Duration.ofMillis(50))
                .until(() -> browser.get("/api/orders").bearer(session.accessToken()).send().status() == 401);
        assertInvalidToken(browser.get("/api/users/me").bearer(session.accessToken()).send());
        assertProblem(browser.refresh(session.refreshCookie()), 401);
    }

    @Test
    void revokeAllRefusesEveryOlderTokenOfTheUserAndAcceptsANewLogin(Gateway gateway) {
        Credentials user = Accounts.createUser(gateway, "revoke-all");
        Client laptop = gateway.newClient();
        Client phone = gateway.newClient();
        Session onLaptop = laptop.login(user.username(), user.password());
        Session onPhone = phone.login(user.username(), user.password());
        Session alice = gateway.newClient().login(Accounts.ALICE, Accounts.ALICE_PASSWORD);
        assertThat(phone.get("/api/orders").bearer(onPhone.accessToken()).send().status()).isEqualTo(200);

        Response revoked = laptop.post("/auth/revoke-all").bearer(onLaptop.accessToken()).send();

        assertThat(revoked.status()).as("%s", revoked).isEqualTo(200);
        assertThat(revoked.json().path("subject").asString()).isEqualTo(user.id());
        assertThat(revoked.json().path("refresh_families_revoked").asInt()).isEqualTo(2);
        await().atMost(ENFORCED_WITHIN).pollInterval(Duration.ofMillis(50)).until(() ->
                laptop.get("/api/orders").bearer(onLaptop.accessToken()).send().status() == 401
                        && phone.get("/api/orders").bearer(onPhone.accessToken()).send().status() == 401);
        assertInvalidToken(phone.get("/api/users/me").bearer(onPhone.accessToken()).send());
        assertProblem(phone.refresh(onPhone.refreshCookie()), 401);
        // other users are untouched
        assertThat(gateway.newClient().get("/api/users/me").bearer(alice.accessToken()).send().status()).isEqualTo(200);

        // a login right after (usually within the same second) gets a token that works
        Session fresh = phone.login(user.username(), user.password());
        Response afterwards = phone.get("/api/users/me").bearer(fresh.accessToken()).send();
        assertThat(afterwards.status()).as("%s", afterwards).isEqualTo(200);
        assertThat(afterwards.json().path("id").asString()).isEqualTo(user.id());
    }
}
