package dev.portcullis.net;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.util.Optional;

/**
 * IP address literals, parsed without ever resolving a name: a header value must never become a DNS query (that would
 * block the event loop and let a client make the server query DNS). Netty's {@link NetUtil} does the parsing; on top
 * of it these rules hold for every caller:
 * <ul>
 *   <li>IPv4 is a dotted quad of four decimal octets without leading zeros: {@code 010.0.0.1} is refused, because
 *       other parsers read it as octal and the same text would name two different addresses;</li>
 *   <li>IPv6 may embed such a quad ({@code ::ffff:198.51.100.1}); an IPv4-mapped address is the IPv4 address;</li>
 *   <li>zone ids ({@code fe80::1%eth0}) are refused: they scope a link-local address to an interface of the sender,
 *       which means nothing here;</li>
 *   <li>names, the legacy short forms ({@code 1.2.3}, {@code 0x7f.1}), empty and over-long text are not addresses.</li>
 * </ul>
 */
public final class IpLiteral {

    /** Longer than any literal with a port ({@code [ffff:...:255.255.255.255]:65535} is 53 characters). */
    private static final int MAX_LENGTH = 64;

    private IpLiteral() {
    }

    /** A bare address: {@code 198.51.100.1}, {@code 2001:db8::1}. No brackets, no port. */
    public static Optional<InetAddress> address(String text) {
        String value = text.strip();
        if (value.isEmpty() || value.length() > MAX_LENGTH) {
            return Optional.empty();
        }
        return value.indexOf(':') >= 0 ? ipv6(value) : ipv4(value);
    }

    /**
     * An address as proxies write it into {@code X-Forwarded-For}: a bare address, an IPv4 address with a port
     * ({@code 198.51.100.1:4711}), or a bracketed IPv6 address with or without one ({@code [2001:db8::1]:443}). The
     * port is dropped: the client is the address.
     */
    public static Optional<InetAddress> hop(String text) {
        String value = text.strip();
        if (value.isEmpty() || value.length() > MAX_LENGTH) {
            return Optional.empty();
        }
        if (value.charAt(0) == '[') {
            int close = value.indexOf(']');
            if (close < 0 || !isPortOrNothing(value.substring(close + 1))) {
                return Optional.empty();
            }
            String host = value.substring(1, close);
            return host.indexOf(':') >= 0 ? ipv6(host) : Optional.empty();
        }
        int colon = value.indexOf(':');
        if (colon >= 0 && colon == value.lastIndexOf(':')) {
            // one colon: IPv4 with a port (an IPv6 literal has at least two)
            return isPortOrNothing(value.substring(colon)) ? ipv4(value.substring(0, colon)) : Optional.empty();
        }
        return address(value);
    }

    private static Optional<InetAddress> ipv4(String value) {
        if (!isStrictDottedQuad(value)) {
            return Optional.empty();
        }
        return Optional.ofNullable(NetUtil.createInetAddressFromIpAddressString(value));
    }

    private static Optional<InetAddress> ipv6(String value) {
        if (value.indexOf('%') >= 0 || !NetUtil.isValidIpV6Address(value) || value.charAt(0) == '[') {
            return Optional.empty();
        }
        int lastColon = value.lastIndexOf(':');
        String tail = value.substring(lastColon + 1);
        if (tail.indexOf('.') >= 0 && !isStrictDottedQuad(tail)) {
            return Optional.empty(); // an embedded IPv4 part follows the IPv4 rules
        }
        return Optional.ofNullable(NetUtil.createInetAddressFromIpAddressString(value));
    }

    private static boolean isStrictDottedQuad(String value) {
        String[] parts = value.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || (part.length() > 1 && part.charAt(0) == '0')) {
                return false;
            }
            for (int i = 0; i < part.length(); i++) {
                if (part.charAt(i) < '0' || part.charAt(i) > '9') {
                    return false;
                }
            }
            if (Integer.parseInt(part) > 255) {
                return false;
            }
        }
        return true;
    }

    /** {@code ""} or {@code ":"} followed by a decimal port 0..65535 without sign. */
    private static boolean isPortOrNothing(String rest) {
        if (rest.isEmpty()) {
            return true;
        }
        if (rest.charAt(0) != ':' || rest.length() < 2 || rest.length() > 6) {
            return false;
        }
        for (int i = 1; i < rest.length(); i++) {
            if (rest.charAt(i) < '0' || rest.charAt(i) > '9') {
                return false;
            }
        }
        return Integer.parseInt(rest.substring(1)) <= 65535;
    }
}
