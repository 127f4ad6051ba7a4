package dev.portcullis.e2e.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.zxing.BinaryBitmap;
import com.google.zxing.MultiFormatReader;
import com.google.zxing.client.j2se.BufferedImageLuminanceSource;
import com.google.zxing.common.HybridBinarizer;
import dev.portcullis.e2e.support.Accounts;
import dev.portcullis.e2e.support.Accounts.Credentials;
import dev.portcullis.e2e.support.EndToEndTest;
import dev.portcullis.e2e.support.Gateway;
import dev.portcullis.e2e.support.PortcullisStack;
import dev.portcullis.e2e.support.Response;
import dev.portcullis.e2e.support.Totp;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.WindowType;

/**
 * The demo app at {@code /app/}, in headless Chromium, against the real stack (its own run with 15-second access
 * tokens and one second of clock skew, e2e-tests/pom.xml): what a person does on the page, and what the token manager
 * does without them noticing. Each {@link DemoApp} is a browser of its own (another device); tabs share one.
 */
@EndToEndTest
@Tag("browser")
class BrowserEndToEndTest {

    /** The stack's access-token lifetime and clock skew in this run (the browser execution sets both). */
    private static final Duration LIFETIME = PortcullisStack.accessTokenLifetime().orElse(Duration.ofMinutes(15));
    private static final Duration SKEW = PortcullisStack.clockSkew().orElse(Duration.ofSeconds(30));

    private static Credentials stepUpUser;
    private static Credentials everywhereUser;

    @BeforeAll
    static void users(Gateway gateway) {
        // made up front: the demo admin's step-up behind createUser lives as short as every token of this run
        stepUpUser = Accounts.createUser(gateway, "browser-mfa");
        everywhereUser = Accounts.createUser(gateway, "browser-everywhere");
    }

    @Test
    void servesTheAppPubliclyWithAStrictContentSecurityPolicy(Gateway gateway) {
        Response page = gateway.newClient().get("/app/").send();
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.contentType()).startsWith("text/html");
        assertThat(page.body()).contains("<script type=\"module\" src=\"app.js\"></script>");
        String csp = page.header("Content-Security-Policy").orElseThrow();
        assertThat(csp).contains("default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'",
                "object-src 'none'", "base-uri 'none'").doesNotContain("unsafe-inline", "unsafe-eval", "*");
        assertThat(page.header("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(page.header("Referrer-Policy")).hasValue("no-referrer");
        // the page's modules get the same policy, and /app without the slash is sent to /app/
        assertThat(gateway.newClient().get("/app/token-manager.js").send().header("Content-Security-Policy")).hasValue(csp);
        Response bare = gateway.newClient().get("/app").send();
        assertThat(bare.status()).isEqualTo(308);
        assertThat(bare.header("Location")).hasValue("/app/");
    }

    @Test
    void signsInShowsTheTokenAndCallsTheUserProductAndOrderServices(Gateway gateway) throws Exception {
        try (DemoApp app = DemoApp.open(gateway, "")) {
            app.signIn(Accounts.ALICE, Accounts.ALICE_PASSWORD);

            assertThat(app.browser().text("user-name")).startsWith("alice");
            assertThat(app.claims()).contains("\"sub\": \"" + Accounts.ALICE_ID + "\"", "\"permissions\"");
            assertThat(Integer.parseInt(app.browser().text("expires-in"))).isBetween(1, (int) LIFETIME.toSeconds());
            assertThat(app.call("call-user")).isEqualTo("200");
            assertThat(app.result()).contains(Accounts.ALICE_ID);
            assertThat(app.call("call-products")).isEqualTo("200");
            assertThat(app.result()).contains("p-1", "Portcullis mug");
            app.browser().type("order-quantity", "2");
            assertThat(app.call("create-order")).isEqualTo("201");
            String order = app.result();
            assertThat(order).contains("\"ownerId\": \"" + Accounts.ALICE_ID + "\"", "\"quantity\": 2");
            assertThat(app.call("call-orders")).isEqualTo("200");
            assertThat(app.result()).contains(order.substring(order.indexOf("\"id\""), order.indexOf(',', order.indexOf("\"id\""))));

            // the access token is nowhere script could read it later: not in web storage, and the refresh token
            // cookie is HttpOnly
            assertThat(app.browser().script("return localStorage.length + sessionStorage.length")).isEqualTo(0L);
            assertThat((String) app.browser().script("return document.cookie")).doesNotContain("refresh_token");
            assertThat(app.consoleErrors()).as("CSP violations and script errors").isEmpty();

            Path shot = app.screenshot("main-page.png");
            assertThat(ImageIO.read(shot.toFile()).getWidth()).isGreaterThan(600);
        }
    }

    @Test
    void refreshesAheadOfExpirySoTheUserNeverMeetsAnExpiredToken(Gateway gateway) {
        // a lead of 10 s with 15-second tokens: the manager refreshes halfway (it never leads by more than half)
        try (DemoApp app = DemoApp.open(gateway, "?refreshLead=10&refreshJitter=0")) {
            int refreshesAtLoad = app.refreshCount(); // the page's attempt to resume a session, at load
            app.signIn(Accounts.ALICE, Accounts.ALICE_PASSWORD);
            Instant signedIn = Instant.now(); // the token was issued before: its expiry is earlier than this + lifetime
            app.traffic("/api/");
            await("a refresh ahead of expiry").atMost(LIFETIME).pollInterval(Duration.ofMillis(200))
                    .until(() -> app.refreshCount() > refreshesAtLoad);
            assertThat(Instant.now()).isBefore(signedIn.plus(LIFETIME));

            awaitPast(signedIn.plus(LIFETIME).plus(SKEW).plusSeconds(1)); // the first token is now refused everywhere
            assertThat(app.call("call-products")).isEqualTo("200");
            assertThat(app.call("call-user")).isEqualTo("200");
            // no request was answered 401 and sent again: each carried a live token, once
            assertThat(app.traffic("/api/").statuses()).containsExactly("200", "200");
            assertThat(app.status()).isEqualTo("user service: OK");
        }
    }

    @Test
    void parallelCallsWithAnExpiredTokenShareOneRefreshAfterTheir401s(Gateway gateway) {
        // no refresh ahead, and the page sends the token even when it thinks it expired: the gateway's 401 decides
        try (DemoApp app = DemoApp.open(gateway, "?refreshAhead=false&checkExpiryLocally=false")) {
            app.signIn(Accounts.ALICE, Accounts.ALICE_PASSWORD);
            Instant signedIn = Instant.now(); // the token was issued before: its expiry is earlier than this + lifetime
            app.traffic("/api/");
            awaitPast(signedIn.plus(LIFETIME).plus(SKEW).plusSeconds(1));
            int pageRefreshesBefore = app.refreshCount(); // the page's attempt to resume a session, at load
            double refreshesBefore = DemoApp.authCounter(gateway, "portcullis_auth_refreshes_total", "success");

            assertThat(app.call("call-all")).isEqualTo("200,200,200");

            assertThat(app.refreshCount() - pageRefreshesBefore).as("refreshes the page sent").isEqualTo(1);
            assertThat(DemoApp.authCounter(gateway, "portcullis_auth_refreshes_total", "success") - refreshesBefore)
                    .as("refreshes the auth service answered").isEqualTo(1.0);
            // three calls with the expired token, each answered 401, and three again with the one new token
            DemoApp.Traffic traffic = app.traffic("/api/");
            assertThat(traffic.authorizations()).hasSize(2);
            assertThat(traffic.statuses()).containsExactlyInAnyOrder("401", "401", "401", "200", "200", "200");
            assertThat(app.status()).isEqualTo("All three: OK");
        }
    }

    @Test
    void enrolsMfaFromTheQrCodeOnThePageAndStepsUpWhenARouteDemandsIt(Gateway gateway) throws Exception {
        // no refresh ahead: a refreshed token says pwd only (a refresh is no step-up), and the gateway would refuse it
        // 403 insufficient_scope; the stepped-up token, once older than max-age, gets the RFC 9470 challenge
        try (DemoApp app = DemoApp.open(gateway, "?refreshAhead=false")) {
            app.signIn(stepUpUser.username(), stepUpUser.password());
            app.browser().click("enroll");
            app.browser().waiting(DemoApp.UI_TIMEOUT).until(driver -> app.displayed("enrolment"));

            // what a phone's camera would read: the QR code decoded from a screenshot of the canvas
            byte[] png = app.screenshotOf("qr");
            DemoApp.save("mfa-qr.png", png);
            String uri = new MultiFormatReader().decode(new BinaryBitmap(new HybridBinarizer(
                    new BufferedImageLuminanceSource(ImageIO.read(new ByteArrayInputStream(png)))))).getText();
            String secret = DemoApp.otpauthParameters(uri).get("secret");
            assertThat(secret).isEqualTo(app.browser().text("secret"));

            long step = Instant.now().getEpochSecond() / 30;
            app.browser().type("totp", Totp.code(secret, Instant.ofEpochSecond(step * 30)));
            app.browser().click("verify");
            app.browser().waiting(DemoApp.UI_TIMEOUT).until(driver -> app.amr().contains("mfa"));
            Instant steppedUp = Instant.now();

            assertThat(app.call("create-order")).isEqualTo("201");
            // the cancel route wants an MFA step-up within its max-age (5 s in this run): once it has passed, the
            // gateway's challenge brings up the code form, and the cancel goes through after the code
            awaitPast(steppedUp.plus(PortcullisStack.ORDERS_CANCEL_MAX_AGE).plusSeconds(1));
            app.browser().click("cancel-order");
            app.browser().waiting(DemoApp.UI_TIMEOUT).until(driver -> app.displayed("stepup-form"));
            assertThat(app.browser().text("stepup-reason")).contains("fresh second factor");
            // each code works once; the auth service also takes the next step's
            app.browser().type("totp", Totp.code(secret, Instant.ofEpochSecond((step + 1) * 30)));
            app.browser().click("verify");
            app.browser().waiting(DemoApp.UI_TIMEOUT).until(driver -> "200".equals(app.resultStatus()));
            assertThat(app.result()).contains("cancel order: 200", "CANCELLED");
        }
    }

    @Test
    void signingOutEverywhereEndsTheSessionInAnotherTabAndOnAnotherDevice(Gateway gateway) {
        try (DemoApp laptop = DemoApp.open(gateway, ""); DemoApp phone = DemoApp.open(gateway, "")) {
            laptop.signIn(everywhereUser.username(), everywhereUser.password());
            phone.signIn(everywhereUser.username(), everywhereUser.password());
            String firstTab = laptop.browser().driver().getWindowHandle();
            // a second tab of the laptop's browser: the refresh cookie signs it in by itself
            laptop.browser().driver().switchTo().newWindow(WindowType.TAB);
            String secondTab = laptop.browser().driver().getWindowHandle();
            laptop.load();
            laptop.awaitSignedIn();

            laptop.browser().driver().switchTo().window(firstTab);
            laptop.browser().click("revoke-all");
            laptop.awaitSignedOut();
            assertThat(laptop.status()).startsWith("Signed out everywhere");

            // the other tab ends at once (the manager tells its siblings), with no click
            laptop.browser().driver().switchTo().window(secondTab);
            laptop.awaitSignedOut();
            assertThat(laptop.status()).isEqualTo("Signed out in another tab");

            // the other device: its next call is refused (every gateway instance within a second), and its page says so
            await("the phone's session ended").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(300))
                    .until(() -> {
                        if (phone.signedIn()) {
                            phone.browser().click("call-user");
                        }
                        return !phone.signedIn();
                    });
            assertThat(phone.status()).contains("session has ended");
            // and its refresh cookie is dead too: a reload does not sign it in again
            phone.load();
            assertThat(phone.signedIn()).isFalse();
            assertThat(phone.status()).isEqualTo("Please sign in");
        }
    }

    @Test
    void signingOutRevokesTheTokenAndTheRefreshCookie(Gateway gateway) {
        try (DemoApp app = DemoApp.open(gateway, "")) {
            app.signIn(Accounts.ALICE, Accounts.ALICE_PASSWORD);
            app.traffic("/api/");
            assertThat(app.call("call-user")).isEqualTo("200");
            List<String> sent = app.traffic("/api/").authorizations();
            assertThat(sent).hasSize(1);

            app.browser().click("logout");
            app.awaitSignedOut();
            assertThat(app.status()).isEqualTo("Signed out");
            app.load();
            assertThat(app.signedIn()).as("signed in again by the refresh cookie").isFalse();

            // the token the page had is refused now, wherever it turns up (the gateway enforces within a second)
            String[] authorization = sent.getFirst().split(" ", 2);
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(200)).until(() ->
                    gateway.newClient().get("/api/users/me").header("Authorization", authorization[0] + " " + authorization[1])
                            .send().status() == 401);
        }
    }

    private static void awaitPast(Instant instant) {
        await("the clock past " + instant).atMost(Duration.between(Instant.now(), instant).plusSeconds(5))
                .pollInterval(Duration.ofMillis(250)).until(() -> Instant.now().isAfter(instant));
    }
}
