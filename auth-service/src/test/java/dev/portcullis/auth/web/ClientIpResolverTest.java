package dev.portcullis.auth.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.auth.config.BoundAuthProperties;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;

class ClientIpResolverTest {

    private final ClientIpResolver resolver = new ClientIpResolver(
            BoundAuthProperties.of("trusted-proxies=127.0.0.0/8,10.0.0.0/8,::1/128"));

    @Test
    void ignoresForwardedForFromAnUntrustedPeer() {
        assertThat(resolver.clientIp(from("198.51.100.1", "203.0.113.5"))).isEqualTo("198.51.100.1");
    }

    @Test
    void takesTheNearestUntrustedHopBehindTrustedProxies() {
        // a client-supplied "1.1.1.1" on the far left is not believed: 203.0.113.5 is what our proxies saw
        assertThat(resolver.clientIp(from("127.0.0.1", "1.1.1.1, 203.0.113.5, 10.1.2.3"))).isEqualTo("203.0.113.5");
        assertThat(resolver.clientIp(from("127.0.0.1", "203.0.113.5"))).isEqualTo("203.0.113.5");
        assertThat(resolver.clientIp(from("127.0.0.1", null))).isEqualTo("127.0.0.1");
    }

    @Test
    void stopsAtAMalformedEntryAndNeverResolvesNames() {
        assertThat(resolver.clientIp(from("127.0.0.1", "evil.example.com, 10.0.0.9"))).isEqualTo("10.0.0.9");
        assertThat(resolver.clientIp(from("127.0.0.1", "[2001:db8::1]:443"))).isEqualTo("2001:db8:0:0:0:0:0:1");
    }

    @Test
    void readsForwardedEntriesByTheGatewaysRules() {
        assertThat(resolver.clientIp(from("127.0.0.1", "203.0.113.5:4711"))).as("a port is dropped").isEqualTo("203.0.113.5");
        assertThat(resolver.clientIp(from("127.0.0.1", "203.0.113.5, 010.0.0.9"))).as("leading zeros are garbage")
                .isEqualTo("127.0.0.1");
    }

    @Test
    void rejectsAnInvalidTrustedProxyNamingTheKey() {
        assertThatThrownBy(() -> new ClientIpResolver(BoundAuthProperties.of("trusted-proxies=10.0.0.0/99")))
                .hasMessageContaining("portcullis.auth.trusted-proxies");
    }

    private static MockServerHttpRequest from(String peer, String forwardedFor) {
        MockServerHttpRequest.BaseBuilder<?> builder = MockServerHttpRequest.get("/")
                .remoteAddress(new InetSocketAddress(peer, 40000));
        if (forwardedFor != null) {
            builder.header("X-Forwarded-For", forwardedFor);
        }
        return builder.build();
    }
}
