package dev.portcullis.e2e;

import static dev.portcullis.e2e.support.Accounts.ALICE;
import static dev.portcullis.e2e.support.Accounts.ALICE_ID;
import static dev.portcullis.e2e.support.Accounts.ALICE_PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.ECKey;
import dev.portcullis.e2e.support.Client;
import dev.portcullis.e2e.support.EndToEndTest;
import dev.portcullis.e2e.support.Gateway;
import dev.portcullis.e2e.support.Jwt;
import dev.portcullis.e2e.support.Response;
import dev.portcullis.testsupport.DpopProofs;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * DPoP through the real stack: a login with a proof gets a token bound to the client's key, the gateway accepts it
 * with a fresh proof of that key (and the auth service behind it does too), and the same token in a thief's hands,
 * without the key, is refused, as is the owner's proof replayed.
 */
@EndToEndTest
class DpopEndToEndTest {

    private static String proof(ECKey key, Gateway gateway, String method, String path, String token) {
        DpopProofs.Proof proof = DpopProofs.of(key).method(method).url(gateway.issuer() + path).issuedAt(Instant.now());
        return (token == null ? proof : proof.token(token)).sign();
    }

    @Test
    void aBoundTokenWorksOnlyWithAFreshProofOfItsKeyThroughTheGateway(Gateway gateway) {
        ECKey key = DpopProofs.newKey();
        Client browser = gateway.newClient();

        Response login = browser.post("/auth/login").header("DPoP", proof(key, gateway, "POST", "/auth/login", null))
                .json(Map.of("username", ALICE, "password", ALICE_PASSWORD)).send();
        assertThat(login.status()).as("%s", login).isEqualTo(200);
        assertThat(login.json().path("token_type").asString()).isEqualTo("DPoP");
        String token = login.json().path("access_token").asString();
        assertThat(Jwt.claims(token).getClaim("cnf")).isEqualTo(Map.of("jkt", DpopProofs.thumbprint(key)));

        String proof = proof(key, gateway, "GET", "/api/users/me", token);
        Response me = browser.get("/api/users/me").header("Authorization", "DPoP " + token).header("DPoP", proof).send();
        assertThat(me.status()).as("%s", me).isEqualTo(200);
        assertThat(me.json().path("id").asString()).isEqualTo(ALICE_ID);

        // the auth service behind the gateway checks the proof of its own endpoint again (its own replay set)
        Response whoAmI = browser.get("/auth/me").header("Authorization", "DPoP " + token)
                .header("DPoP", proof(key, gateway, "GET", "/auth/me", token)).send();
        assertThat(whoAmI.status()).as("%s", whoAmI).isEqualTo(200);

        Response replayed = browser.get("/api/users/me").header("Authorization", "DPoP " + token).header("DPoP", proof).send();
        assertThat(replayed.status()).isEqualTo(401);
        assertThat(replayed.header("WWW-Authenticate")).hasValueSatisfying(
                challenge -> assertThat(challenge).startsWith("DPoP").contains("error=\"invalid_dpop_proof\""));

        Client thief = gateway.newClient();
        assertThat(thief.get("/api/users/me").bearer(token).send().status()).isEqualTo(401);
        Response withOwnKey = thief.get("/api/users/me").header("Authorization", "DPoP " + token)
                .header("DPoP", proof(DpopProofs.newKey(), gateway, "GET", "/api/users/me", token)).send();
        assertThat(withOwnKey.status()).isEqualTo(401);
        assertThat(withOwnKey.json().path("reason").asString()).isEqualTo("invalid_dpop_proof");
    }

    @Test
    void aStolenRefreshCookieOfABoundSessionIsUselessWithoutTheKey(Gateway gateway) {
        ECKey key = DpopProofs.newKey();
        Client browser = gateway.newClient();
        Response login = browser.post("/auth/login").header("DPoP", proof(key, gateway, "POST", "/auth/login", null))
                .json(Map.of("username", ALICE, "password", ALICE_PASSWORD)).send();
        String cookie = login.refreshCookie().orElseThrow();

        Response stolen = gateway.newClient().refresh(cookie);
        assertThat(stolen.status()).as("%s", stolen).isEqualTo(400);
        assertThat(stolen.json().path("error").asString()).isEqualTo("invalid_dpop_proof");

        Response owner = browser.post("/auth/refresh").cookie("refresh_token", cookie).header("X-Requested-With", "e2e-test")
                .header("DPoP", proof(key, gateway, "POST", "/auth/refresh", null)).send();
        assertThat(owner.status()).as("%s", owner).isEqualTo(200);
        assertThat(owner.json().path("token_type").asString()).isEqualTo("DPoP");
    }
}
