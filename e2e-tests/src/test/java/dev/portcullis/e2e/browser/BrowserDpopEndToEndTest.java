package dev.portcullis.e2e.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.e2e.support.Accounts;
import dev.portcullis.e2e.support.EndToEndTest;
import dev.portcullis.e2e.support.Gateway;
import dev.portcullis.e2e.support.Response;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * DPoP (RFC 9449) as the demo page uses it, against the real stack: the page's tokens are bound to a key WebCrypto
 * will not let out of the browser, and the same token in another browser (another device, without the key) is refused
 * however it is presented.
 */
@EndToEndTest
@Tag("browser")
class BrowserDpopEndToEndTest {

    /** fetch() in the page with the given headers; answers {status, www} (WWW-Authenticate). */
    private static final String FETCH = """
            const [url, headers, done] = arguments;
            fetch(url, { headers }).then(r => done({ status: r.status, www: r.headers.get('WWW-Authenticate') || '' }),
                e => done({ status: -1, www: String(e) }));
            """;

    /** A proof for GET url signed by a new key of this page (the thief's own key), with ath of the token. */
    private static final String OWN_PROOF = """
            const [url, token, done] = arguments;
            import('/app/dpop.js').then(async ({ DpopKey }) => {
              const key = await DpopKey.generate();
              done(await key.proof({ method: 'GET', url, accessToken: token }));
            }).catch(e => done('error: ' + e));
            """;

    /** What the page's key looks like in IndexedDB: {extractable, exported, thumbprint}. */
    private static final String STORED_KEY = """
            const done = arguments[0];
            import('/app/dpop.js').then(async ({ DpopKeyStore }) => {
              const key = await new DpopKeyStore().key();
              const exported = await crypto.subtle.exportKey('jwk', key.keyPair.privateKey).then(() => true, () => false);
              done({ extractable: key.extractable, exported, thumbprint: key.thumbprint });
            }).catch(e => done({ error: String(e) }));
            """;

    @Test
    void thePageUsesDpopBoundTokensWhoseKeyNeverLeavesTheBrowser(Gateway gateway) {
        try (DemoApp app = DemoApp.open(gateway, "")) {
            app.signIn(Accounts.ALICE, Accounts.ALICE_PASSWORD);
            assertThat(app.tokenType()).isEqualTo("DPoP");
            assertThat(app.call("call-user")).isEqualTo("200");

            @SuppressWarnings("unchecked")
            Map<String, Object> key = (Map<String, Object>) app.browser().asyncScript(STORED_KEY);
            assertThat(key).containsEntry("extractable", false).containsEntry("exported", false);
            // the token is bound to exactly that key: cnf.jkt is its thumbprint
            assertThat(app.claims()).contains("\"jkt\": \"" + key.get("thumbprint") + "\"");
        }
    }

    @Test
    void everyRequestCarriesADpopAuthorizationAndAFreshProof(Gateway gateway) {
        try (DemoApp app = DemoApp.open(gateway, "")) {
            app.signIn(Accounts.ALICE, Accounts.ALICE_PASSWORD);
            app.browser().traffic();
            assertThat(app.call("call-user")).isEqualTo("200");
            assertThat(app.call("call-products")).isEqualTo("200");
            List<Map<String, String>> requests = app.browser().traffic().stream()
                    .filter(event -> event.getOrDefault(":url", "").contains("/api/") && event.containsKey("Authorization"))
                    .toList();
            assertThat(requests).hasSize(2).allSatisfy(request -> {
                assertThat(request.get("Authorization")).startsWith("DPoP ");
                assertThat(request.get("DPoP")).isNotBlank();
            });
            assertThat(requests.get(0).get("DPoP")).isNotEqualTo(requests.get(1).get("DPoP"));
        }
    }

    @Test
    void aBoundTokenStolenIntoAnotherBrowserIsRefusedHoweverItIsPresented(Gateway gateway) {
        try (DemoApp owner = DemoApp.open(gateway, ""); DemoApp thief = DemoApp.open(gateway, "")) {
            owner.signIn(Accounts.ALICE, Accounts.ALICE_PASSWORD);
            owner.browser().traffic();
            assertThat(owner.call("call-user")).isEqualTo("200");
            Map<String, String> seen = owner.browser().traffic().stream()
                    .filter(event -> event.getOrDefault(":url", "").contains("/api/users/me") && event.containsKey("DPoP"))
                    .findFirst().orElseThrow();
            String token = seen.get("Authorization").substring("DPoP ".length());
            String url = gateway.url() + "/api/users/me";

            // as a plain Bearer token
            assertRefused(thief, url, Map.of("Authorization", "Bearer " + token));
            // as a DPoP token without a proof
            assertRefused(thief, url, Map.of("Authorization", "DPoP " + token));
            // with a proof of the thief's own key (its thumbprint is not the token's cnf.jkt)
            String ownProof = (String) thief.browser().asyncScript(OWN_PROOF, url, token);
            assertThat(ownProof).doesNotStartWith("error");
            assertRefused(thief, url, Map.of("Authorization", "DPoP " + token, "DPoP", ownProof));
            // with the owner's proof, replayed (the same jti: the replay cache, shared by every gateway instance)
            assertRefused(thief, url, Map.of("Authorization", "DPoP " + token, "DPoP", seen.get("DPoP")));

            // the owner, with the key, is still served
            assertThat(owner.call("call-products")).isEqualTo("200");
        }
    }

    @Test
    void aStolenRefreshCookieIsUselessWithoutTheKey(Gateway gateway) {
        try (DemoApp owner = DemoApp.open(gateway, "")) {
            owner.signIn(Accounts.ALICE, Accounts.ALICE_PASSWORD);
            // a thief with the browser's files reads even the HttpOnly cookie (Path=/auth: not visible from /app/, so
            // read from the browser's whole cookie store, as a thief reading the profile would)
            String cookie = refreshCookie(owner);
            assertThat(cookie).isNotBlank();
            Response stolen = gateway.newClient().refresh(cookie);
            assertThat(stolen.status()).as("%s", stolen).isBetween(400, 401);
            assertThat(stolen.body()).doesNotContain("access_token");

            // and the refused attempt neither rotated nor ended the family: the owner, with the key, still refreshes
            int refreshes = owner.refreshCount();
            owner.browser().click("refresh");
            await().atMost(Duration.ofSeconds(10)).until(() -> owner.refreshCount() > refreshes);
            assertThat(owner.call("call-products")).isEqualTo("200");
        }
    }

    @Test
    void aReloadKeepsTheBoundSessionWithTheKeyFromIndexedDb(Gateway gateway) {
        try (DemoApp app = DemoApp.open(gateway, "")) {
            app.signIn(Accounts.ALICE, Accounts.ALICE_PASSWORD);
            app.load();
            app.awaitSignedIn();
            assertThat(app.tokenType()).isEqualTo("DPoP");
            assertThat(app.call("call-orders")).isEqualTo("200");
        }
    }

    private static void assertRefused(DemoApp thief, String url, Map<String, String> headers) {
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> answer = (Map<String, Object>) thief.browser().asyncScript(FETCH, url, headers);
            assertThat(answer.get("status")).as("%s with %s", answer, headers.keySet()).isEqualTo(401L);
            assertThat((String) answer.get("www")).as("WWW-Authenticate").isNotBlank();
        });
    }

    @SuppressWarnings("unchecked")
    private static String refreshCookie(DemoApp app) {
        Map<String, Object> all = app.browser().driver().executeCdpCommand("Network.getAllCookies", Map.of());
        return ((List<Map<String, Object>>) all.get("cookies")).stream()
                .filter(c -> "refresh_token".equals(c.get("name")))
                .map(c -> (String) c.get("value"))
                .findFirst().orElse(null);
    }
}
