package dev.portcullis.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;

class ClientAddressResolverTest {

    private final ClientAddressResolver resolver = new ClientAddressResolver("portcullis.test.trusted-proxies",
            List.of("10.0.0.0/8", "127.0.0.1", "fd00::/8"));

    @Test
    void ignoresForwardedForFromAnUntrustedPeer() {
        assertThat(resolve("203.0.113.5", "198.51.100.1")).isEqualTo("203.0.113.5");
        assertThat(resolve("2001:db8::9", "198.51.100.1")).isEqualTo("2001:db8:0:0:0:0:0:9");
    }

    @Test
    void takesTheNearestUntrustedHopBehindTrustedProxies() {
        assertThat(resolve("10.0.0.1", "198.51.100.1")).isEqualTo("198.51.100.1");
        assertThat(resolve("10.0.0.1", "1.1.1.1, 198.51.100.1, 10.0.0.2, 10.0.0.3")).isEqualTo("198.51.100.1");
        assertThat(resolve("127.0.0.1", "10.9.9.9, 198.51.100.1, 10.0.0.2"))
                .as("a trusted address left of the client is the client's own claim").isEqualTo("198.51.100.1");
    }

    @Test
    void readsSeveralHeaderLinesAsOneList() {
        assertThat(resolve("10.0.0.1", "198.51.100.1", "10.0.0.2")).isEqualTo("198.51.100.1");
        assertThat(resolve("10.0.0.1", "198.51.100.1, 10.0.0.3", "10.0.0.2")).isEqualTo("198.51.100.1");
    }

    @Test
    void usesThePeerWhenATrustedProxySendsNoForwardedFor() {
        assertThat(resolve("10.0.0.1")).isEqualTo("10.0.0.1");
        assertThat(resolver.resolve(new InetSocketAddress(IpLiteral.address("10.0.0.1").orElseThrow(), 1), List.of()))
                .isEqualTo("10.0.0.1");
    }

    @Test
    void usesTheLastTrustedHopWhenEveryEntryIsTrusted() {
        assertThat(resolve("10.0.0.1", "10.0.0.3, 10.0.0.2")).isEqualTo("10.0.0.3");
    }

    @Test
    void acceptsPortsAndBracketsInForwardedEntries() {
        assertThat(resolve("10.0.0.1", "198.51.100.1:4711")).isEqualTo("198.51.100.1");
        assertThat(resolve("10.0.0.1", "[2001:db8::1]:443")).isEqualTo("2001:db8:0:0:0:0:0:1");
        assertThat(resolve("10.0.0.1", "198.51.100.1, 10.0.0.2:8080")).as("a trusted hop with a port is still trusted")
                .isEqualTo("198.51.100.1");
    }

    @Test
    void understandsIpv6PeersProxiesAndClients() {
        assertThat(resolve("fd00::1", "2001:db8::7")).isEqualTo("2001:db8:0:0:0:0:0:7");
        assertThat(resolve("fd00::1", "198.51.100.1, fd12::3")).isEqualTo("198.51.100.1");
        assertThat(resolve("10.0.0.1", "2001:db8::7, 10.0.0.2")).isEqualTo("2001:db8:0:0:0:0:0:7");
        assertThat(resolve("::ffff:10.0.0.1", "198.51.100.1")).as("an IPv4-mapped peer is its IPv4 address")
                .isEqualTo("198.51.100.1");
    }

    @Test
    void stopsAtAMalformedEntryAndBelievesNothingLeftOfIt() {
        assertThat(resolve("10.0.0.1", "198.51.100.1, not-an-address")).isEqualTo("10.0.0.1");
        assertThat(resolve("10.0.0.1", "198.51.100.1, 10.0.0.2, <script>")).isEqualTo("10.0.0.1");
        assertThat(resolve("10.0.0.1", "198.51.100.1, ")).as("an empty entry").isEqualTo("10.0.0.1");
        assertThat(resolve("10.0.0.1", "198.51.100.1,")).as("a trailing comma").isEqualTo("10.0.0.1");
        assertThat(resolve("10.0.0.1", "198.51.100.1, 010.0.0.2")).as("leading zeros").isEqualTo("10.0.0.1");
        assertThat(resolve("10.0.0.1", "203.0.113.7, garbage, 10.0.0.2")).isEqualTo("10.0.0.2");
        assertThat(resolve("10.0.0.1", "unknown, 198.51.100.1")).as("garbage left of the client is never read")
                .isEqualTo("198.51.100.1");
    }

    @Test
    void anUnknownPeerIsReportedAsUnknown() {
        assertThat(resolver.resolve(MockServerHttpRequest.get("/").build())).isEqualTo(ClientAddressResolver.UNKNOWN);
        assertThat(resolver.resolve(null, List.of("198.51.100.1"))).isEqualTo("unknown");
    }

    @Test
    void tellsWhetherAPeerIsATrustedProxy() {
        assertThat(resolver.isTrusted(IpLiteral.address("10.3.4.5").orElseThrow())).isTrue();
        assertThat(resolver.isTrusted(IpLiteral.address("127.0.0.2").orElseThrow())).isFalse();
    }

    private String resolve(String peer, String... forwardedFor) {
        MockServerHttpRequest.BaseBuilder<?> builder = MockServerHttpRequest.get("/")
                .remoteAddress(new InetSocketAddress(IpLiteral.address(peer).orElseThrow(), 40000));
        if (forwardedFor.length > 0) {
            builder.header("X-Forwarded-For", forwardedFor);
        }
        return resolver.resolve(builder.build());
    }
}
