package dev.portcullis.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrustedProxiesTest {

    private static final String KEY = "portcullis.test.trusted-proxies";

    @Test
    void matchesAddressesInsideTheBlockOnly() {
        TrustedProxies proxies = TrustedProxies.parse(KEY, List.of("10.0.0.0/8", "192.168.1.0/24", "fd00::/8"));
        assertThat(proxies.contains(ip("10.0.0.0"))).isTrue();
        assertThat(proxies.contains(ip("10.255.255.255"))).isTrue();
        assertThat(proxies.contains(ip("11.0.0.0"))).isFalse();
        assertThat(proxies.contains(ip("9.255.255.255"))).isFalse();
        assertThat(proxies.contains(ip("192.168.1.77"))).isTrue();
        assertThat(proxies.contains(ip("192.168.2.1"))).isFalse();
        assertThat(proxies.contains(ip("fd12::3"))).isTrue();
        assertThat(proxies.contains(ip("fe00::1"))).isFalse();
    }

    @Test
    void matchesPrefixesThatDoNotEndOnAnOctet() {
        TrustedProxies proxies = TrustedProxies.parse(KEY, List.of("172.16.0.0/12", "2001:db8:8000::/33"));
        assertThat(proxies.contains(ip("172.31.255.255"))).isTrue();
        assertThat(proxies.contains(ip("172.32.0.0"))).isFalse();
        assertThat(proxies.contains(ip("172.15.255.255"))).isFalse();
        assertThat(proxies.contains(ip("2001:db8:ffff::1"))).isTrue();
        assertThat(proxies.contains(ip("2001:db8:7fff::1"))).isFalse();
    }

    @Test
    void aBareAddressIsABlockOfOne() {
        TrustedProxies proxies = TrustedProxies.parse(KEY, List.of("192.168.1.1", "::1"));
        assertThat(proxies.contains(ip("192.168.1.1"))).isTrue();
        assertThat(proxies.contains(ip("192.168.1.2"))).isFalse();
        assertThat(proxies.contains(ip("::1"))).isTrue();
        assertThat(proxies.contains(ip("::2"))).isFalse();
    }

    @Test
    void neverMatchesAcrossAddressFamilies() {
        TrustedProxies everything = TrustedProxies.parse(KEY, List.of("0.0.0.0/0"));
        assertThat(everything.contains(ip("203.0.113.9"))).isTrue();
        assertThat(everything.contains(ip("2001:db8::1"))).isFalse();
        TrustedProxies everyV6 = TrustedProxies.parse(KEY, List.of("::/0"));
        assertThat(everyV6.contains(ip("2001:db8::1"))).isTrue();
        assertThat(everyV6.contains(ip("203.0.113.9"))).isFalse();
    }

    @Test
    void ignoresHostBitsBelowThePrefix() {
        TrustedProxies proxies = TrustedProxies.parse(KEY, List.of("10.1.2.3/8"));
        assertThat(proxies.contains(ip("10.200.0.1"))).isTrue();
    }

    @Test
    void noBlocksTrustNobody() {
        assertThat(TrustedProxies.parse(KEY, List.of()).contains(ip("127.0.0.1"))).isFalse();
    }

    @Test
    void refusesAWrongBlockNamingTheKey() {
        for (String block : List.of("proxy.internal", "10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0.0/", "10.0.0.0/a",
                "10.0.0.0/8/8", "010.0.0.0/8", "10.0.0.0:80", "[::1]", "", "10.0.0.0/0008")) {
            assertThatThrownBy(() -> TrustedProxies.parse(KEY, List.of(block))).as("'%s'", block)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(KEY);
        }
    }

    private static InetAddress ip(String literal) {
        return IpLiteral.address(literal).orElseThrow();
    }
}
