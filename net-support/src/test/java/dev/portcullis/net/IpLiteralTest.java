package dev.portcullis.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class IpLiteralTest {

    @Test
    void parsesDottedQuadsAndIpv6Literals() {
        assertThat(text(IpLiteral.address("198.51.100.1"))).isEqualTo("198.51.100.1");
        assertThat(text(IpLiteral.address("0.0.0.0"))).isEqualTo("0.0.0.0");
        assertThat(text(IpLiteral.address("255.255.255.255"))).isEqualTo("255.255.255.255");
        assertThat(text(IpLiteral.address("2001:db8::1"))).isEqualTo("2001:db8:0:0:0:0:0:1");
        assertThat(text(IpLiteral.address("::1"))).isEqualTo("0:0:0:0:0:0:0:1");
        assertThat(text(IpLiteral.address("::"))).isEqualTo("0:0:0:0:0:0:0:0");
        assertThat(text(IpLiteral.address(" 198.51.100.1 "))).as("surrounding blanks").isEqualTo("198.51.100.1");
    }

    @Test
    void readsAnIpv4MappedIpv6AddressAsTheIpv4Address() {
        Optional<InetAddress> mapped = IpLiteral.address("::ffff:198.51.100.1");
        assertThat(mapped).get().isInstanceOf(Inet4Address.class);
        assertThat(text(mapped)).isEqualTo("198.51.100.1");
    }

    @Test
    void refusesLeadingZerosWhichOtherParsersReadAsOctal() {
        for (String value : List.of("010.0.0.1", "01.2.3.4", "1.2.3.04", "1.02.3.4", "00.0.0.0", "::ffff:010.0.0.1")) {
            assertThat(IpLiteral.address(value)).as(value).isEmpty();
            assertThat(IpLiteral.hop(value)).as(value).isEmpty();
        }
    }

    @Test
    void refusesNamesLegacyFormsAndGarbage() {
        for (String value : List.of("", " ", "localhost", "example.com", "1abc.de", "1.2.3", "1.2.3.4.5", "999.1.1.1",
                "256.0.0.1", "0x7f.0.0.1", "0x7f000001", "2130706433", "1:2:3", ":::", "1::2::3", "-1.2.3.4",
                "+1.2.3.4", "1.2.3.4/8", "<script>", "unknown", "_hidden", "1.2.3.4 5.6.7.8", "1.2.3.\u0664",
                "1".repeat(65))) {
            assertThat(IpLiteral.address(value)).as("'%s'", value).isEmpty();
            assertThat(IpLiteral.hop(value)).as("'%s'", value).isEmpty();
        }
    }

    @Test
    void refusesZoneIds() {
        assertThat(IpLiteral.address("fe80::1%eth0")).isEmpty();
        assertThat(IpLiteral.address("fe80::1%1")).isEmpty();
        assertThat(IpLiteral.hop("[fe80::1%eth0]:443")).isEmpty();
    }

    @Test
    void aBareAddressTakesNoPortAndNoBrackets() {
        assertThat(IpLiteral.address("198.51.100.1:443")).isEmpty();
        assertThat(IpLiteral.address("[2001:db8::1]")).isEmpty();
        assertThat(IpLiteral.address("[2001:db8::1]:443")).isEmpty();
    }

    @Test
    void aForwardedHopMayCarryAPortWhichIsDropped() {
        assertThat(text(IpLiteral.hop("198.51.100.1:4711"))).isEqualTo("198.51.100.1");
        assertThat(text(IpLiteral.hop("198.51.100.1:0"))).isEqualTo("198.51.100.1");
        assertThat(text(IpLiteral.hop("198.51.100.1:65535"))).isEqualTo("198.51.100.1");
        assertThat(text(IpLiteral.hop("[2001:db8::1]:443"))).isEqualTo("2001:db8:0:0:0:0:0:1");
        assertThat(text(IpLiteral.hop("[2001:db8::1]"))).isEqualTo("2001:db8:0:0:0:0:0:1");
        assertThat(text(IpLiteral.hop("2001:db8::1"))).as("bare IPv6, no port possible").isEqualTo("2001:db8:0:0:0:0:0:1");
        assertThat(text(IpLiteral.hop("198.51.100.1"))).isEqualTo("198.51.100.1");
    }

    @Test
    void refusesBadPortsAndBadBrackets() {
        for (String value : List.of("198.51.100.1:", "198.51.100.1:65536", "198.51.100.1:-1", "198.51.100.1:http",
                "198.51.100.1:1234567", "[2001:db8::1]:", "[2001:db8::1]443", "[2001:db8::1", "2001:db8::1]",
                "[198.51.100.1]", "[198.51.100.1]:443", "[]", "[]:443", "[[::1]]", "localhost:8080")) {
            assertThat(IpLiteral.hop(value)).as("'%s'", value).isEmpty();
        }
    }

    private static String text(Optional<InetAddress> address) {
        return address.map(InetAddress::getHostAddress).orElse(null);
    }
}
