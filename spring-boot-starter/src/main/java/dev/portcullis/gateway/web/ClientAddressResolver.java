package dev.portcullis.gateway.web;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * The client's IP address for per-IP limits and logs. {@code X-Forwarded-For} is believed only when the connection
 * comes from a configured trusted proxy; then the address is the right-most entry that is not itself a trusted proxy
 * (entries further left are whatever the client chose to send).
 */
public final class ClientAddressResolver {

    private final List<Cidr> trustedProxies;

    public ClientAddressResolver(List<String> trustedProxies) {
        this.trustedProxies = trustedProxies.stream().map(Cidr::parse).toList();
    }

    public String resolve(ServerHttpRequest request) {
        InetSocketAddress remote = request.getRemoteAddress();
        InetAddress peer = remote == null ? null : remote.getAddress();
        if (peer == null) {
            return "unknown";
        }
        if (!isTrusted(peer)) {
            return peer.getHostAddress();
        }
        List<String> forwarded = request.getHeaders().get("X-Forwarded-For");
        if (forwarded == null || forwarded.isEmpty()) {
            return peer.getHostAddress();
        }
        String[] hops = String.join(",", forwarded).split(",");
        String client = peer.getHostAddress();
        for (int i = hops.length - 1; i >= 0; i--) {
            InetAddress hop = parseLiteral(hops[i].trim());
            if (hop == null) {
                break;
            }
            client = hop.getHostAddress();
            if (!isTrusted(hop)) {
                break;
            }
        }
        return client;
    }

    public boolean isTrusted(InetAddress address) {
        for (Cidr cidr : trustedProxies) {
            if (cidr.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Parses an IP literal only: a dotted quad of four decimal octets, or an IPv6 literal. Never resolves a name (no
     * DNS on the request path, and no DNS query a client can trigger): anything else, including the legacy forms
     * {@code InetAddress} would accept or look up ({@code 1.2.3}, {@code 1abc.de}), is not an address.
     */
    static InetAddress parseLiteral(String value) {
        if (value.isEmpty() || value.length() > 45) {
            return null;
        }
        try {
            if (value.indexOf(':') >= 0) {
                for (int i = 0; i < value.length(); i++) {
                    char c = value.charAt(i);
                    if (!(Character.digit(c, 16) >= 0 || c == '.' || c == ':')) {
                        return null;
                    }
                }
                // A string with ':' is only ever parsed as an IPv6 literal by InetAddress, never looked up.
                return InetAddress.getByName(value);
            }
            byte[] octets = dottedQuad(value);
            return octets == null ? null : InetAddress.getByAddress(octets);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static byte[] dottedQuad(String value) {
        String[] parts = value.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] octets = new byte[4];
        for (int i = 0; i < 4; i++) {
            String part = parts[i];
            if (part.isEmpty() || part.length() > 3 || (part.length() > 1 && part.charAt(0) == '0')
                    || !part.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return null;
            }
            int octet = Integer.parseInt(part);
            if (octet > 255) {
                return null;
            }
            octets[i] = (byte) octet;
        }
        return octets;
    }

    /** An address block such as {@code 10.0.0.0/8} or {@code ::1/128}; a bare address is a block of one. */
    record Cidr(byte[] network, int prefixLength) {

        static Cidr parse(String text) {
            String[] parts = text.trim().split("/", 2);
            InetAddress address = parseLiteral(parts[0]);
            if (address == null) {
                throw new IllegalArgumentException("portcullis.http.trusted-proxies: '" + text + "' is not an IP address or CIDR block");
            }
            int bits = address.getAddress().length * 8;
            int prefix = parts.length == 2 ? Integer.parseInt(parts[1]) : bits;
            if (prefix < 0 || prefix > bits) {
                throw new IllegalArgumentException("portcullis.http.trusted-proxies: '" + text + "' has an invalid prefix length");
            }
            return new Cidr(address.getAddress(), prefix);
        }

        boolean contains(InetAddress address) {
            byte[] candidate = address.getAddress();
            if (candidate.length != network.length) {
                return false;
            }
            int full = prefixLength / 8;
            for (int i = 0; i < full; i++) {
                if (candidate[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefixLength % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (candidate[full] & mask) == (network[full] & mask);
        }
    }
}
