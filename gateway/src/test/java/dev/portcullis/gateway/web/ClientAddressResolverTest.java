package dev.portcullis.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.util.List;
import dev.portcullis.gateway.support.RecordingAddressResolverProvider;
import dev.portcullis.net.ClientAddressResolver;
import dev.portcullis.net.IpLiteral;
import org.junit.jupiter.api.Test;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;

class ClientAddressResolverTest {

    private final ClientAddressResolver resolver = new ClientAddressResolver("portcullis.http.trusted-proxies",
            List.of("10.0.0.0/8", "192.168.1.1", "fd00::/8"));

    @Test
    void ignoresForwardedForFromAnUntrustedPeer() {
        assertThat(resolve("203.0.113.5", "198.51.100.1")).isEqualTo("203.0.113.5");
        assertThat(resolve("11.0.0.1", "198.51.100.1")).as("just outside 10.0.0.0/8").isEqualTo("11.0.0.1");
        assertThat(resolve("192.168.1.2", "198.51.100.1")).as("a bare address is a block of one").isEqualTo("192.168.1.2");
    }

    @Test
    void takesTheClientFromATrustedProxy() {
        assertThat(resolve("10.1.2.3", "198.51.100.1")).isEqualTo("198.51.100.1");
        assertThat(resolve("192.168.1.1", " 198.51.100.1 ")).isEqualTo("198.51.100.1");
    }

    @Test
    void walksAChainOfTrustedProxiesFromTheRight() {
        assertThat(resolve("10.0.0.1", "198.51.100.1, 10.0.0.2, 10.0.0.3")).isEqualTo("198.51.100.1");
        assertThat(resolve("10.0.0.1", "198.51.100.1", "10.0.0.2")).as("several header lines are one list")
                .isEqualTo("198.51.100.1");
    }

    @Test
    void ignoresWhatTheClientPutLeftOfTheFirstUntrustedHop() {
        assertThat(resolve("10.0.0.1", "1.2.3.4, 198.51.100.1")).isEqualTo("198.51.100.1");
        assertThat(resolve("10.0.0.1", "10.9.9.9, 198.51.100.1, 10.0.0.2")).isEqualTo("198.51.100.1");
    }

    @Test
    void usesThePeerWhenATrustedProxySendsNoForwardedFor() {
        assertThat(resolve("10.0.0.1")).isEqualTo("10.0.0.1");
    }

    @Test
    void understandsIpv6PeersProxiesAndClients() {
        assertThat(resolve("fd00::1", "2001:db8::7")).isEqualTo("2001:db8:0:0:0:0:0:7");
        assertThat(resolve("fd00::1", "198.51.100.1, fd12::3")).isEqualTo("198.51.100.1");
        assertThat(resolve("2001:db8::9", "198.51.100.1")).as("untrusted IPv6 peer").isEqualTo("2001:db8:0:0:0:0:0:9");
        assertThat(resolve("10.0.0.1", "2001:db8::7, 10.0.0.2")).isEqualTo("2001:db8:0:0:0:0:0:7");
    }

    @Test
    void stopsAtAGarbageEntryAndNeverTrustsIt() {
        assertThat(resolve("10.0.0.1", "198.51.100.1, not-an-address")).isEqualTo("10.0.0.1");
        assertThat(resolve("10.0.0.1", "198.51.100.1, <script>")).isEqualTo("10.0.0.1");
        assertThat(resolve("10.0.0.1", "198.51.100.1, ")).isEqualTo("10.0.0.1");
        assertThat(resolve("10.0.0.1", "198.51.100.1, 999.1.1.1")).isEqualTo("10.0.0.1");
        assertThat(resolve("10.0.0.1", "unknown, 198.51.100.1")).isEqualTo("198.51.100.1");
    }

    @Test
    void neverTurnsAForwardedForEntryIntoADnsQuery() {
        // Entries that look like addresses at first sight (digits, hex letters, dots) but are none: garbage, never
        // a name to resolve, which would block the event loop and let clients make the gateway query DNS.
        for (String entry : List.of("1abc.de", "1.2.3.4.5", "999.1.1.1", "0xdeadbeef.cafe")) {
            assertThat(resolve("10.0.0.1", "198.51.100.1, " + entry)).as(entry).isEqualTo("10.0.0.1");
            assertThat(RecordingAddressResolverProvider.wasLookedUp(entry)).as("DNS query for %s", entry).isFalse();
        }
    }

    @Test
    void acceptsOnlyAddressLiterals() {
        assertThat(IpLiteral.address("1.2.3.4")).isPresent();
        assertThat(IpLiteral.address("::1")).isPresent();
        assertThat(IpLiteral.address("::ffff:198.51.100.1")).isPresent();
        assertThat(IpLiteral.address("localhost")).isEmpty();
        assertThat(IpLiteral.address("1.2.3")).isEmpty();
        assertThat(IpLiteral.address("01.2.3.4")).isEmpty();
        assertThat(IpLiteral.address("1:2:3")).isEmpty();
    }

    @Test
    void anUnknownPeerIsReportedAsUnknown() {
        MockServerHttpRequest request = MockServerHttpRequest.get("/").build();
        assertThat(resolver.resolve(request)).isEqualTo("unknown");
    }

    @Test
    void refusesATrustedProxyEntryThatIsNotAnAddressNamingTheKey() {
        assertThatThrownBy(() -> new ClientAddressResolver("portcullis.http.trusted-proxies", List.of("proxy.internal")))
                .hasMessageContaining("portcullis.http.trusted-proxies");
        assertThatThrownBy(() -> new ClientAddressResolver("portcullis.http.trusted-proxies", List.of("10.0.0.0/33")))
                .hasMessageContaining("portcullis.http.trusted-proxies");
    }

    private static java.net.InetAddress address(String literal) {
        try {
            return java.net.InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private String resolve(String peer, String... forwardedFor) {
        MockServerHttpRequest.BaseBuilder<?> builder = MockServerHttpRequest.get("/")
                .remoteAddress(new InetSocketAddress(address(peer), 40000));
        if (forwardedFor.length > 0) {
            builder.header("X-Forwarded-For", forwardedFor);
        }
        return resolver.resolve(builder.build());
    }
}
