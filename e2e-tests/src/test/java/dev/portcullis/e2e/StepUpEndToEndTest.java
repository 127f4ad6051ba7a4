package dev.portcullis.e2e;

import static dev.portcullis.e2e.support.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.e2e.support.Accounts;
import dev.portcullis.e2e.support.Accounts.Credentials;
import dev.portcullis.e2e.support.Client;
import dev.portcullis.e2e.support.EndToEndTest;
import dev.portcullis.e2e.support.Gateway;
import dev.portcullis.e2e.support.Jwt;
import dev.portcullis.e2e.support.PortcullisStack;
import dev.portcullis.e2e.support.Response;
import dev.portcullis.e2e.support.Session;
import dev.portcullis.e2e.support.Totp;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Permission and MFA rules of the gateway's routes, with a real TOTP step-up at the auth service. */
@EndToEndTest
class StepUpEndToEndTest {

    @Test
    void cancellingAnOrderIsRefusedBeforeTotpStepUpAndAllowedAfterIt(Gateway gateway) throws ParseException {
        Credentials user = Accounts.createUser(gateway, "step-up");
        Client browser = gateway.newClient();
        Session session = browser.login(user.username(), user.password());
        String orderId = placeOrder(browser, session.accessToken());

        Response beforeStepUp = browser.post("/api/orders/" + orderId + "/cancel").bearer(session.accessToken()).send();
        assertProblem(beforeStepUp, 403);
        assertThat(beforeStepUp.header("WWW-Authenticate")).hasValueSatisfying(
                challenge -> assertThat(challenge).contains("error=\"insufficient_scope\""));

        Response enrolment = browser.post("/auth/mfa/enroll").bearer(session.accessToken()).send();
        assertThat(enrolment.status()).as("%s", enrolment).isEqualTo(201);
        String secret = enrolment.json().path("secret").asString();
        assertProblem(browser.post("/auth/mfa/verify").bearer(session.accessToken())
                .json(Map.of("code", wrongCode(secret))).send(), 401);
        Response verified = browser.post("/auth/mfa/verify").bearer(session.accessToken())
                .json(Map.of("code", Totp.code(secret, Instant.now()))).send();
        assertThat(verified.status()).as("%s", verified).isEqualTo(200);
        String steppedUp = verified.json().path("access_token").asString();
        assertThat(Jwt.claims(steppedUp).getStringListClaim("amr")).contains("pwd", "mfa");

        Response me = browser.get("/api/users/me").bearer(steppedUp).send();
        assertThat(me.json().path("mfa").asBoolean()).as("%s", me).isTrue();
        Response cancelled = browser.post("/api/orders/" + orderId + "/cancel").bearer(steppedUp).send();
        assertThat(cancelled.status()).as("%s", cancelled).isEqualTo(200);
        assertThat(cancelled.json().path("status").asString()).isEqualTo("CANCELLED");
        // the password-only token is still not enough
        assertProblem(browser.post("/api/orders/" + orderId + "/cancel").bearer(session.accessToken()).send(), 403);
    }

    /**
     * RFC 9470 on the shipped orders-cancel route ({@code mfa: true}, {@code max-age: 5m}; this run sets
     * {@code ORDERS_CANCEL_MAX_AGE} to {@link PortcullisStack#ORDERS_CANCEL_MAX_AGE}, as five real minutes are too long
     * for a test): a stepped-up token passes while its step-up is recent, is challenged with
     * {@code insufficient_user_authentication} and {@code max_age} once it is older, and the client answers the
     * challenge by stepping up again. The wait is real time, polled with a request that changes nothing.
     */
    @Test
    void aStepUpOlderThanTheRoutesMaxAgeIsChallengedAndTheClientStepsUpAgain(Gateway gateway) throws ParseException {
        Credentials user = Accounts.createUser(gateway, "step-up-age");
        Client browser = gateway.newClient();
        Session session = browser.login(user.username(), user.password());
        String first = placeOrder(browser, session.accessToken());
        String second = placeOrder(browser, session.accessToken());
        Response enrolment = browser.post("/auth/mfa/enroll").bearer(session.accessToken()).send();
        assertThat(enrolment.status()).as("%s", enrolment).isEqualTo(201);
        String secret = enrolment.json().path("secret").asString();

        String steppedUp = verify(browser, session.accessToken(), Totp.code(secret, Instant.now()));
        var claims = Jwt.claims(steppedUp);
        assertThat(claims.getStringClaim("acr")).isEqualTo("urn:portcullis:acr:mfa");
        Instant authTime = Instant.ofEpochSecond(claims.getLongClaim("auth_time"));
        assertThat(authTime).isBetween(Instant.now().minusSeconds(30), Instant.now().plusSeconds(2));
        Response recent = browser.post("/api/orders/" + first + "/cancel").bearer(steppedUp).send();
        assertThat(recent.status()).as("%s", recent).isEqualTo(200);

        // a GET of the cancel path is answered by the order service while the step-up is recent, by the gateway after
        Duration maxAge = PortcullisStack.ORDERS_CANCEL_MAX_AGE;
        await().atMost(maxAge.plusSeconds(20)).pollInterval(Duration.ofMillis(250))
                .until(() -> browser.get("/api/orders/" + second + "/cancel").bearer(steppedUp).send().status() == 401);
        assertThat(Instant.now()).isAfter(authTime.plus(maxAge));
        Response challenged = browser.post("/api/orders/" + second + "/cancel").bearer(steppedUp).send();
        assertProblem(challenged, 401);
        assertThat(challenged.header("WWW-Authenticate")).hasValueSatisfying(challenge -> assertThat(challenge)
                .startsWith("Bearer realm=\"portcullis\", error=\"insufficient_user_authentication\"")
                .endsWith(", max_age=" + maxAge.toSeconds()));
        assertThat(challenged.json().path("type").asString()).isEqualTo("urn:portcullis:problem:insufficient-user-authentication");
        Response untouched = browser.get("/api/orders/" + second).bearer(session.accessToken()).send();
        assertThat(untouched.json().path("status").asString()).as("%s", untouched).isNotEqualTo("CANCELLED");

        // the answer to the challenge: a new step-up (a code of a later step than the first one, which was spent)
        String again = verify(browser, steppedUp, Totp.code(secret, Instant.now().plusSeconds(30)));
        assertThat(Instant.ofEpochSecond(Jwt.claims(again).getLongClaim("auth_time"))).isAfter(authTime);
        Response cancelled = browser.post("/api/orders/" + second + "/cancel").bearer(again).send();
        assertThat(cancelled.status()).as("%s", cancelled).isEqualTo(200);
        assertThat(cancelled.json().path("status").asString()).isEqualTo("CANCELLED");
    }

    private static String verify(Client browser, String accessToken, String code) {
        Response verified = browser.post("/auth/mfa/verify").bearer(accessToken).json(Map.of("code", code)).send();
        assertThat(verified.status()).as("%s", verified).isEqualTo(200);
        return verified.json().path("access_token").asString();
    }

    @Test
    void aUserWithoutTheWritePermissionCannotPlaceOrdersOrAddProducts(Gateway gateway) {
        Client browser = gateway.newClient();
        Session alice = browser.login(Accounts.ALICE, Accounts.ALICE_PASSWORD);

        Response addProduct = browser.post("/api/products").bearer(alice.accessToken())
                .json(Map.of("name", "Unapproved", "price", 1)).send();
        assertProblem(addProduct, 403);
        assertThat(addProduct.header("WWW-Authenticate")).hasValueSatisfying(
                challenge -> assertThat(challenge).contains("error=\"insufficient_scope\""));
        // the admin has products:write
        Client adminClient = gateway.newClient();
        Session admin = adminClient.login(Accounts.ADMIN, Accounts.ADMIN_PASSWORD);
        Response added = adminClient.post("/api/products").bearer(admin.accessToken())
                .json(Map.of("name", "Approved", "price", 2)).send();
        assertThat(added.status()).as("%s", added).isEqualTo(201);
    }

    private static String placeOrder(Client browser, String accessToken) {
        Response placed = browser.post("/api/orders").bearer(accessToken)
                .json(Map.of("items", List.of(Map.of("productId", "p-1", "quantity", 1)))).send();
        assertThat(placed.status()).as("%s", placed).isEqualTo(201);
        return placed.json().path("id").asString();
    }

    /** A code that is valid for none of the steps the verifier accepts (now ± 1). */
    private static String wrongCode(String secret) {
        Instant now = Instant.now();
        List<String> valid = List.of(Totp.code(secret, now.minusSeconds(30)), Totp.code(secret, now),
                Totp.code(secret, now.plusSeconds(30)), Totp.code(secret, now.plusSeconds(60)));
        for (int candidate = 0; ; candidate++) {
            String code = String.format("%06d", candidate);
            if (!valid.contains(code)) {
                return code;
            }
        }
    }
}
