package dev.portcullis.gateway.identity;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.portcullis.contract.IdentityHeaders;
import dev.portcullis.contract.IdentitySignature;
import dev.portcullis.contract.TokenClaims;
import dev.portcullis.gateway.support.GatewayIntegrationTest;
import dev.portcullis.gateway.support.RawHttp;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;

/**
 * What the services receive: identity only from the verified token (every client-sent {@code x-user-*} is dropped), no
 * identity at all on public routes, a usable request id, and the Authorization header only where the route wants it.
 */
class IdentityHeadersIntegrationTest extends GatewayIntegrationTest {

    @Test
    void forwardsTheAddressTheGatewaySawAndNeverOneTheClientMadeUp() {
        String token = tokens.forUser("u-xff").sign();

        client.post().uri("/auth/login")
                .header("X-Forwarded-For", "6.6.6.6")
                .header("Forwarded", "for=6.6.6.6")
                .header("X-Forwarded-Host", "evil.example")
                .exchange().expectStatus().isOk();
        getWithToken("/api/users/me", token).header("X-Forwarded-For", "6.6.6.6, 7.7.7.7").exchange().expectStatus().isOk();

        // the client (on loopback) is not a trusted proxy here: its own X-Forwarded-* are gone, the peer is appended
        LoggedRequest login = upstream.findAll(postRequestedFor(urlPathEqualTo("/auth/login"))).getLast();
        assertThat(login.getHeader("X-Forwarded-For")).isIn("127.0.0.1", "0:0:0:0:0:0:0:1");
        assertThat(login.getHeader("Forwarded")).doesNotContain("6.6.6.6");
        assertThat(login.getHeader("X-Forwarded-Host")).doesNotContain("evil.example");
        LoggedRequest call = upstream.findAll(getRequestedFor(urlPathEqualTo("/users/me"))).getLast();
        assertThat(call.getHeader("X-Forwarded-For")).doesNotContain("6.6.6.6").doesNotContain("7.7.7.7");
        assertThat(call.getHeader("X-Forwarded-Prefix")).isEqualTo("/api");
    }

    @Test
    void replacesSpoofedIdentityHeadersWithTheClaimsOfTheVerifiedToken() {
        String token = tokens.forUser("u-42").role("user").permissions("orders:read", "users:read")
                .scope("openid profile").amr(TokenClaims.AMR_PASSWORD, TokenClaims.AMR_MFA).sign();

        client.get().uri("/api/users/me")
                .header("Authorization", "Bearer " + token)
                .header("x-user-id", "admin")
                .header("X-User-Role", "admin")
                .header("x-USER-permissions", "users:admin")
                .header("X-User-Impersonate", "root")
                .header("x-user-tenant", "other")
                .exchange()
                .expectStatus().isOk();

        LoggedRequest received = onlyRequestTo("/users/me");
        assertThat(received.getHeaders().getHeader(IdentityHeaders.USER_ID).values()).containsExactly("u-42");
        assertThat(received.getHeaders().getHeader(IdentityHeaders.USER_ROLE).values()).containsExactly("user");
        assertThat(received.getHeaders().getHeader(IdentityHeaders.USER_PERMISSIONS).values())
                .containsExactly("orders:read,users:read");
        assertThat(received.getHeaders().getHeader(IdentityHeaders.USER_SCOPES).values()).containsExactly("openid,profile");
        assertThat(received.getHeaders().getHeader(IdentityHeaders.USER_AMR).values()).containsExactly("pwd,mfa");
        assertThat(received.getHeaders().keys()).map(String::toLowerCase)
                .filteredOn(name -> name.startsWith(IdentityHeaders.PREFIX))
                .containsExactlyInAnyOrder(IdentityHeaders.USER_ID, IdentityHeaders.USER_ROLE, IdentityHeaders.USER_PERMISSIONS,
                        IdentityHeaders.USER_SCOPES, IdentityHeaders.USER_AMR);
    }

    @Test
    void stripsIdentityHeadersSpeltWithUnderscoresOrInMixedCaseOnAnAuthenticatedRoute() {
        String token = tokens.forUser("u-42").role("user").permissions("users:read").sign();

        getWithToken("/api/users/me", token)
                .header("x_user_id", "u-admin")
                .header("X_User_Role", "admin")
                .header("x_USER-permissions", "users:admin")
                .header("X-uSeR_tenant", "other")
                .header("x_portcullis_identity_signature", "v1.forged.forged")
                .header("X-Portcullis-Identity-Timestamp", "1")
                .header("x_request_id", "forged-id")
                .exchange()
                .expectStatus().isOk();

        LoggedRequest received = onlyRequestTo("/users/me");
        assertThat(received.getHeaders().keys()).filteredOn(IdentityHeaders::isIdentityHeader)
                .containsExactlyInAnyOrder(IdentityHeaders.USER_ID, IdentityHeaders.USER_ROLE, IdentityHeaders.USER_PERMISSIONS,
                        IdentityHeaders.USER_SCOPES, IdentityHeaders.USER_AMR);
        assertThat(received.getHeaders().getHeader(IdentityHeaders.USER_ID).values()).containsExactly("u-42");
        assertThat(received.getHeaders().getHeader(IdentityHeaders.USER_ROLE).values()).containsExactly("user");
        assertThat(received.getHeaders().getHeader(IdentityHeaders.USER_PERMISSIONS).values()).containsExactly("users:read");
        assertThat(received.getHeaders().keys())
                .filteredOn(name -> IdentityHeaders.equalsNormalized(name, IdentityHeaders.REQUEST_ID))
                .containsExactly(IdentityHeaders.REQUEST_ID);
        assertThat(received.getHeader(IdentityHeaders.REQUEST_ID)).isNotEqualTo("forged-id");
        // the only signature headers are the gateway's own, one value each
        assertThat(received.getHeaders().keys())
                .filteredOn(name -> IdentityHeaders.startsWithNormalized(name, IdentitySignature.HEADER_PREFIX))
                .containsExactlyInAnyOrder(IdentitySignature.SIGNATURE, IdentitySignature.TIMESTAMP);
        assertThat(received.getHeaders().getHeader(IdentitySignature.SIGNATURE).values()).singleElement()
                .asString().doesNotContain("forged");
    }

    @Test
    void stripsIdentityHeadersSpeltWithUnderscoresOnAPublicRoute() {
        client.post().uri("/auth/login")
                .header("x_user_id", "u-admin")
                .header("X_USER_ROLE", "admin")
                .header("x_portcullis_identity_signature", "v1.forged.forged")
                .bodyValue("{\"username\":\"alice\",\"password\":\"pw\"}")
                .exchange()
                .expectStatus().isOk();

        LoggedRequest received = upstream.findAll(postRequestedFor(urlPathEqualTo("/auth/login"))).getLast();
        assertThat(received.getHeaders().keys()).noneMatch(IdentityHeaders::isIdentityHeader)
                .noneMatch(name -> IdentityHeaders.startsWithNormalized(name, IdentitySignature.HEADER_PREFIX));
    }

    /** Byte for byte, so that no client library can normalise the names before they reach the gateway. */
    @Test
    void stripsUnderscoreAndMixedCaseIdentityHeadersSentOverARawSocket() {
        String token = tokens.forUser("u-raw").role("user").sign();

        RawHttp.Response authenticated = RawHttp.get(port, "/api/users/me", "Authorization: Bearer " + token,
                "x_user_id: u-admin", "X_uSeR_RoLe: admin", "x-USER_amr: mfa", "X_PORTCULLIS_IDENTITY_SIGNATURE: v1.a.b");
        RawHttp.Response anonymous = RawHttp.get(port, "/it/signed-public/raw", "x_user_id: u-admin", "X_User_Role: admin",
                "x_request_id: forged");

        assertThat(authenticated.status()).isEqualTo(200);
        assertThat(anonymous.status()).isEqualTo(200);
        LoggedRequest received = onlyRequestTo("/users/me");
        assertThat(received.getHeaders().keys()).filteredOn(IdentityHeaders::isIdentityHeader)
                .containsExactlyInAnyOrder(IdentityHeaders.USER_ID, IdentityHeaders.USER_ROLE, IdentityHeaders.USER_PERMISSIONS,
                        IdentityHeaders.USER_SCOPES, IdentityHeaders.USER_AMR);
        assertThat(received.getHeaders().getHeader(IdentityHeaders.USER_ID).values()).containsExactly("u-raw");
        assertThat(received.getHeaders().getHeader(IdentityHeaders.USER_AMR).values()).containsExactly("pwd");
        LoggedRequest publicCall = onlyRequestTo("/it/signed-public/raw");
        assertThat(publicCall.getHeaders().keys()).noneMatch(IdentityHeaders::isIdentityHeader)
                .noneMatch(name -> name.equalsIgnoreCase("x_request_id"));
    }

    @Test
    void forwardsNoIdentityHeadersOnAPublicRouteEvenWhenTheClientSendsThem() {
        client.post().uri("/auth/login")
                .header("x-user-id", "admin")
                .header("X-User-Role", "admin")
                .header("x-USER-anything", "x")
                .bodyValue("{\"username\":\"alice\",\"password\":\"pw\"}")
                .exchange()
                .expectStatus().isOk();
        client.get().uri(JWKS_PATH).header("X-User-Id", "admin").exchange().expectStatus().isOk();

        upstream.verify(postRequestedFor(urlPathEqualTo("/auth/login")));
        for (LoggedRequest received : upstream.findAll(postRequestedFor(urlPathEqualTo("/auth/login")))) {
            assertThat(received.getHeaders().keys()).noneMatch(name -> name.toLowerCase().startsWith(IdentityHeaders.PREFIX));
        }
        // the JWKS is also polled by the gateway itself: every request to it, client's or not, is without identity
        List<LoggedRequest> jwks = upstream.findAll(getRequestedFor(urlPathEqualTo(JWKS_PATH)));
        assertThat(jwks).isNotEmpty()
                .allSatisfy(received -> assertThat(received.getHeaders().keys())
                        .noneMatch(name -> name.toLowerCase().startsWith(IdentityHeaders.PREFIX)));
    }

    @Test
    void keepsAWellFormedRequestIdAndEchoesItOnTheResponse() {
        String token = tokens.forUser("u-1").sign();

        getWithToken("/api/users/me", token).header(IdentityHeaders.REQUEST_ID, "trace-4711:a.b_c")
                .exchange()
                .expectStatus().isOk()
                .expectHeader().valueEquals(IdentityHeaders.REQUEST_ID, "trace-4711:a.b_c");

        upstream.verify(getRequestedFor(urlPathEqualTo("/users/me"))
                .withHeader(IdentityHeaders.REQUEST_ID, equalTo("trace-4711:a.b_c")));
    }

    @Test
    void replacesAMalformedRequestIdAndSendsTheSameNewIdUpstreamAndBack() {
        String token = tokens.forUser("u-1").sign();
        String malformed = "bad id with spaces and \"quotes\"";

        String echoed = getWithToken("/api/users/me", token).header(IdentityHeaders.REQUEST_ID, malformed)
                .exchange()
                .expectStatus().isOk()
                .returnResult(String.class).getResponseHeaders().getFirst(IdentityHeaders.REQUEST_ID);

        assertThat(echoed).isNotBlank().isNotEqualTo(malformed).matches("[A-Za-z0-9._:-]{1,64}");
        LoggedRequest received = onlyRequestTo("/users/me");
        assertThat(received.getHeaders().getHeader(IdentityHeaders.REQUEST_ID).values()).containsExactly(echoed);
    }

    @Test
    void generatesARequestIdWhenTheClientSendsNone() {
        String token = tokens.forUser("u-1").sign();

        String generated = getWithToken("/api/users/me", token).exchange()
                .expectStatus().isOk()
                .returnResult(String.class).getResponseHeaders().getFirst(IdentityHeaders.REQUEST_ID);

        assertThat(generated).matches("[A-Za-z0-9._:-]{1,64}");
        upstream.verify(getRequestedFor(urlPathEqualTo("/users/me")).withHeader(IdentityHeaders.REQUEST_ID, equalTo(generated)));
    }

    @Test
    void forwardsTheAuthorizationHeaderByDefault() {
        String token = tokens.forUser("u-1").sign();

        getWithToken("/api/users/me", token).exchange().expectStatus().isOk();

        upstream.verify(getRequestedFor(urlPathEqualTo("/users/me"))
                .withHeader(HttpHeaders.AUTHORIZATION, equalTo("Bearer " + token)));
    }

    @Test
    void dropsTheAuthorizationHeaderOnARouteThatDoesNotForwardIt() {
        upstream.stubFor(any(urlPathMatching("/it/no-authorization/.*")).willReturn(okJson("{\"ok\":true}")));
        String token = tokens.forUser("u-7").sign();

        getWithToken("/it/no-authorization/resource", token).exchange().expectStatus().isOk();

        upstream.verify(getRequestedFor(urlPathEqualTo("/it/no-authorization/resource"))
                .withHeader(HttpHeaders.AUTHORIZATION, absent())
                .withHeader(IdentityHeaders.USER_ID, equalTo("u-7")));
    }

    @Test
    void stillRequiresAValidTokenOnARouteThatDoesNotForwardIt() {
        client.get().uri("/it/no-authorization/resource").exchange().expectStatus().isUnauthorized();

        upstream.verify(0, getRequestedFor(urlPathMatching("/it/no-authorization/.*")));
    }

    @Test
    void stripsTheApiPrefixBeforeForwarding() {
        String token = tokens.forUser("u-1").sign();

        getWithToken("/api/users/me?expand=roles", token).exchange().expectStatus().isOk();

        upstream.verify(getRequestedFor(urlPathEqualTo("/users/me")).withQueryParam("expand", equalTo("roles")));
        upstream.verify(0, getRequestedFor(urlPathMatching("/api/.*")));
    }

    private static LoggedRequest onlyRequestTo(String path) {
        List<LoggedRequest> received =
                upstream.findAll(com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor(urlPathEqualTo(path)));
        assertThat(received).hasSize(1);
        return received.getFirst();
    }
}
