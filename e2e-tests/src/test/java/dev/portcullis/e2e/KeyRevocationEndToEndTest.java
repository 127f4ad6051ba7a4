package dev.portcullis.e2e;

import static dev.portcullis.e2e.support.Accounts.ALICE;
import static dev.portcullis.e2e.support.Accounts.ALICE_ID;
import static dev.portcullis.e2e.support.Accounts.ALICE_PASSWORD;
import static dev.portcullis.e2e.support.Problems.assertInvalidToken;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.e2e.support.Accounts;
import dev.portcullis.e2e.support.Client;
import dev.portcullis.e2e.support.EndToEndTest;
import dev.portcullis.e2e.support.Gateway;
import dev.portcullis.e2e.support.Jwt;
import dev.portcullis.e2e.support.Response;
import dev.portcullis.e2e.support.Session;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A leaked signing key pulled by the admin ({@code POST /auth/admin/keys/{kid}/revoke}): the gateway, which had
 * verified and cached a token the key signed, refuses that same token within its JWKS poll interval (1 s in this
 * stack, 15 s by default), while a new login, signed by the fresh key, works at once.
 */
@EndToEndTest
class KeyRevocationEndToEndTest {

    /** Poll interval 1 s, plus the auth service's own answer and a fetch: well under this. */
    private static final Duration REFUSED_WITHIN = Duration.ofSeconds(5);

    @Test
    void aTokenOfARevokedKeyIsRefusedAtTheGatewayWithinSecondsEvenThoughItWasCached(Gateway gateway) throws Exception {
        Client browser = gateway.newClient();
        Session alice = browser.login(ALICE, ALICE_PASSWORD);
        String leaked = Jwt.keyId(alice.accessToken());
        for (int i = 0; i < 2; i++) { // verified once, then answered from the gateway's verified-token cache
            Response me = browser.get("/api/users/me").bearer(alice.accessToken()).send();
            assertThat(me.status()).as("%s", me).isEqualTo(200);
            assertThat(me.json().path("id").asString()).as("what the user service was told").isEqualTo(ALICE_ID);
        }
        double refusedBefore = unknownKeyRejections(gateway);

        String admin = Accounts.adminToken(gateway);
        long revokedAt = System.nanoTime();
        Response revocation = gateway.newClient().post("/auth/admin/keys/" + leaked + "/revoke").bearer(admin).send();
        if (leaked.equals(Jwt.keyId(admin))) {
            Accounts.forgetAdminToken(); // it died with its key
        }

        assertThat(revocation.status()).as("%s", revocation).isEqualTo(200);
        assertThat(revocation.json().path("revoked_kid").asString()).isEqualTo(leaked);
        String fresh = revocation.json().path("new_signing_kid").asString();
        assertThat(fresh).as("%s", revocation).isNotBlank().isNotEqualTo(leaked);
        await("the cached token refused").atMost(REFUSED_WITHIN).pollInterval(Duration.ofMillis(50))
                .until(() -> browser.get("/api/users/me").bearer(alice.accessToken()).send().status() == 401);
        Duration took = Duration.ofNanos(System.nanoTime() - revokedAt);
        System.out.printf("key revocation: the gateway refused the cached token %d ms after the revoke request%n",
                took.toMillis());

        Response refused = browser.get("/api/orders").bearer(alice.accessToken()).send();
        assertInvalidToken(refused);
        assertThat(refused.json().path("detail").asString()).contains("unknown key");
        assertThat(unknownKeyRejections(gateway)).as("gateway rejections with reason unknown_key")
                .isGreaterThan(refusedBefore);
        assertThat(browser.get("/.well-known/jwks.json").send().json().path("keys").findValuesAsString("kid"))
                .doesNotContain(leaked).contains(fresh);

        // a new login is signed by the fresh key and goes through
        Client other = gateway.newClient();
        Session again = other.login(ALICE, ALICE_PASSWORD);
        assertThat(Jwt.keyId(again.accessToken())).isEqualTo(fresh);
        Response me = other.get("/api/users/me").bearer(again.accessToken()).send();
        assertThat(me.status()).as("%s", me).isEqualTo(200);
        assertThat(me.json().path("id").asString()).isEqualTo(ALICE_ID);
    }

    /** The gateway's {@code portcullis_gateway_rejections_total} series with {@code reason="unknown_key"}, summed. */
    private static double unknownKeyRejections(Gateway gateway) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String body = http.send(HttpRequest.newBuilder(URI.create(gateway.managementUrls().get("gateway")
                        + "/actuator/prometheus")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return body.lines()
                .filter(line -> line.startsWith("portcullis_gateway_rejections_total{") && line.contains("reason=\"unknown_key\""))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }
}
