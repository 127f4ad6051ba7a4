package dev.portcullis.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.net.ClientAddressResolver;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestHeadScreenTest {

    private final RequestHeadScreen screen = new RequestHeadScreen(1024,
            new ClientAddressResolver("portcullis.http.trusted-proxies", List.of("10.0.0.0/8")));

    @Test
    void dropsEveryProxyHeaderOfAnUntrustedPeerWhateverItsSpelling() {
        HttpHeaders headers = headers("Forwarded", "for=1.2.3.4", "X-Forwarded-For", "1.2.3.4", "x-forwarded-prefix", "/api/users",
                "X_Forwarded_Host", "evil.example", "X-FORWARDED-PROTO", "https", "X-Real-IP", "1.2.3.4",
                "x_real_ip", "1.2.3.4", "Accept", "*/*", "X-Forwarded", "kept: not a proxy header name");

        assertThat(screen.screen(headers, literal("203.0.113.5"))).isNull();

        assertThat(headers.names()).containsExactlyInAnyOrder("Accept", "X-Forwarded");
    }

    @Test
    void keepsTheProxyHeadersOfATrustedProxy() {
        HttpHeaders headers = headers("X-Forwarded-For", "203.0.113.5", "X-Forwarded-Proto", "https", "Forwarded", "for=203.0.113.5");

        assertThat(screen.screen(headers, literal("10.1.2.3"))).isNull();

        assertThat(headers.get("X-Forwarded-For")).isEqualTo("203.0.113.5");
        assertThat(headers.get("X-Forwarded-Proto")).isEqualTo("https");
        assertThat(headers.get("Forwarded")).isEqualTo("for=203.0.113.5");
    }

    @Test
    void dropsTheProxyHeadersWhenThePeerIsUnknown() {
        HttpHeaders headers = headers("X-Forwarded-For", "203.0.113.5", "Accept", "*/*");

        assertThat(screen.screen(headers, null)).isNull();

        assertThat(headers.names()).containsExactly("Accept");
    }

    @Test
    void dropsIdentityHeadersEvenFromATrustedProxyInEverySpellingAndEveryLineOfThem() {
        HttpHeaders headers = headers("x-user-id", "u-admin", "X-User-Role", "admin", "x_user_permissions", "*",
                "X-USER-ID", "u-root", "x-portcullis-identity-signature", "forged", "X_Portcullis_Identity_Timestamp", "1",
                "x_request_id", "spoofed", "x-request-id", "kept-for-the-access-log", "X-Userland", "kept");

        assertThat(screen.screen(headers, literal("10.1.2.3"))).isNull();

        assertThat(headers.names()).containsExactlyInAnyOrder("x-request-id", "X-Userland");
        assertThat(headers.get("x-request-id")).isEqualTo("kept-for-the-access-log");
    }

    @Test
    void refusesHeadersLargerThanTheLimitCountingEveryLine() {
        HttpHeaders small = headers("X-Note", "a".repeat(500), "X-Note", "b".repeat(500));
        HttpHeaders large = headers("X-Note", "a".repeat(500), "X-Note", "b".repeat(500), "X-Note", "c".repeat(30));

        assertThat(screen.screen(small, literal("203.0.113.5"))).isNull();
        Rejection refused = screen.screen(large, literal("203.0.113.5"));

        assertThat(refused).isNotNull();
        assertThat(refused.reason()).isEqualTo(RejectionReason.HEADERS_TOO_LARGE);
        assertThat(refused.reason().status().value()).isEqualTo(431);
    }

    @Test
    void namesGatewayOwnedHeadersByNormalisedName() {
        assertThat(RequestHeadScreen.isGatewayOwned("x-user-id")).isTrue();
        assertThat(RequestHeadScreen.isGatewayOwned("X_USER_AMR")).isTrue();
        assertThat(RequestHeadScreen.isGatewayOwned("x-portcullis-identity-signature")).isTrue();
        assertThat(RequestHeadScreen.isGatewayOwned("X_Request_Id")).isTrue();
        assertThat(RequestHeadScreen.isGatewayOwned("X-Request-ID")).isFalse();
        assertThat(RequestHeadScreen.isGatewayOwned("Accept")).isFalse();
        assertThat(RequestHeadScreen.isGatewayOwned("x-user")).isFalse();
    }

    private static HttpHeaders headers(String... namesAndValues) {
        HttpHeaders headers = new DefaultHttpHeaders();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            headers.add(namesAndValues[i], namesAndValues[i + 1]);
        }
        return headers;
    }

    private static InetAddress literal(String address) {
        try {
            return InetAddress.getByName(address);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
