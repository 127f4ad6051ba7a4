package dev.portcullis.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.auth.mfa.TotpCodes;
import dev.portcullis.auth.support.AuthServiceTestBase;
import dev.portcullis.testsupport.BlockHoundCheck;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;

/**
 * Drives every endpoint with BlockHound installed: a blocking call (BCrypt, file IO, a blocking read of
 * {@code /dev/urandom}) on a Netty or Reactor non-blocking thread fails the request with a 500, and so this test.
 */
class BlockHoundTest extends AuthServiceTestBase {

    @BeforeAll
    static void installBlockHound() {
        BlockHoundCheck.install();
    }

    @Test
    void blockHoundIsActive() {
        BlockHoundCheck.assertCatchesABlockingCall();
    }

    @Test
    void noEndpointBlocksAnEventLoopThread() {
        BlockHoundCheck.clear();
        Session cookieSession = login("alice", "alice-password");
        var refreshed = client.post().uri("/auth/refresh").cookie("refresh_token", cookieSession.refreshToken())
                .header("X-Requested-With", "x").exchange().expectStatus().isOk().expectBody(Map.class).returnResult();
        String access = (String) refreshed.getResponseBody().get("access_token");

        client.get().uri("/auth/me").header(HttpHeaders.AUTHORIZATION, bearer(access)).exchange().expectStatus().isOk();
        client.get().uri("/.well-known/jwks.json").exchange().expectStatus().isOk();
        client.get().uri("/.well-known/openid-configuration").exchange().expectStatus().isOk();

        Map<?, ?> enrolled = client.post().uri("/auth/mfa/enroll").header(HttpHeaders.AUTHORIZATION, bearer(access))
                .exchange().expectStatus().isCreated().expectBody(Map.class).returnResult().getResponseBody();
        client.post().uri("/auth/mfa/verify").header(HttpHeaders.AUTHORIZATION, bearer(access))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("code", TotpCodes.now((String) enrolled.get("secret"), clock)))
                .exchange().expectStatus().isOk();

        client.post().uri("/oauth2/token")
                .header(HttpHeaders.AUTHORIZATION, "Basic "
                        + Base64.getEncoder().encodeToString("order-service:order-service-secret".getBytes()))
                .contentType(MediaType.APPLICATION_FORM_URLENCODED).bodyValue("grant_type=client_credentials")
                .exchange().expectStatus().isOk();

        Session admin = login("admin", "admin-password");
        String steppedAdmin = stepUp(admin).accessToken();
        client.post().uri("/auth/admin/users").header(HttpHeaders.AUTHORIZATION, bearer(steppedAdmin))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("username", "frank", "password", "frank-password-1", "role", "user", "permissions", java.util.List.of()))
                .exchange().expectStatus().isCreated();
        // key rotation and revocation: file IO and key generation, which must run off the event loop
        String pending = (String) client.post().uri("/auth/admin/keys/rotate").header(HttpHeaders.AUTHORIZATION, bearer(steppedAdmin))
                .exchange().expectStatus().isAccepted().expectBody(Map.class).returnResult().getResponseBody().get("kid");
        client.post().uri("/auth/admin/keys/" + pending + "/revoke").header(HttpHeaders.AUTHORIZATION, bearer(steppedAdmin))
                .exchange().expectStatus().isOk();
        client.post().uri("/auth/login").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("username", "nobody", "password", "x")).exchange().expectStatus().isUnauthorized();
        client.post().uri("/auth/login").contentType(MediaType.APPLICATION_JSON).bodyValue("{bad").exchange()
                .expectStatus().isBadRequest();

        client.post().uri("/auth/logout").header(HttpHeaders.AUTHORIZATION, bearer(access)).exchange()
                .expectStatus().isNoContent();
        client.post().uri("/auth/revoke-all").header(HttpHeaders.AUTHORIZATION, bearer(admin.accessToken())).exchange()
                .expectStatus().isOk();
        assertThat(redis.exists(dev.portcullis.contract.RevocationKeys.subjectKey("u-admin"))).isOne();
        assertThat(BlockHoundCheck.detected()).as("blocking calls on non-blocking threads").isEmpty();
    }
}
