package dev.portcullis.auth.web;

import dev.portcullis.auth.config.AuthProperties;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.stereotype.Component;

/**
 * The client IP that abuse limits count against. {@code X-Forwarded-For} is believed only when the connection comes
 * from a trusted proxy (the gateway; loopback by default): the list is walked from the right, skipping trusted hops,
 * and the first untrusted address is the client. Anything else would let a caller pick its own IP and dodge the limits.
 */
@Component
public final class ClientIpResolver {

    private final List<CidrRange> trusted;

    ClientIpResolver(AuthProperties properties) {
        this.trusted = properties.trustedProxies().stream()
                .map(cidr -> CidrRange.parse("portcullis.auth.trusted-proxies", cidr)).toList();
    }

    public String clientIp(ServerHttpRequest request) {
        InetSocketAddress remote = request.getRemoteAddress();
        InetAddress peer = remote == null ? null : remote.getAddress();
        if (peer == null) {
            return "unknown";
        }
        if (!isTrusted(peer)) {
            return peer.getHostAddress();
        }
        List<String> forwarded = request.getHeaders().getValuesAsList("X-Forwarded-For");
        InetAddress candidate = peer;
        for (int i = forwarded.size() - 1; i >= 0; i--) {
            InetAddress hop = parseLiteral(forwarded.get(i).trim());
            if (hop == null) {
                break; // a malformed entry: stop believing anything further to the left
            }
            candidate = hop;
            if (!isTrusted(hop)) {
                break;
            }
        }
        return candidate.getHostAddress();
    }

    /** Whether the connection comes from a trusted proxy (the gateway), whose X-Forwarded-* headers are believed. */
    public boolean fromTrustedProxy(ServerHttpRequest request) {
        InetSocketAddress remote = request.getRemoteAddress();
        return remote != null && remote.getAddress() != null && isTrusted(remote.getAddress());
    }

    private boolean isTrusted(InetAddress address) {
        return trusted.stream().anyMatch(range -> range.contains(address));
    }

    /** Parses an IP literal without ever doing a DNS lookup (a header value must not make us resolve names). */
    static InetAddress parseLiteral(String value) {
        String v = value;
        if (v.startsWith("[") && v.contains("]")) {
            v = v.substring(1, v.indexOf(']'));
        } else if (v.chars().filter(c -> c == ':').count() == 1) {
            v = v.substring(0, v.indexOf(':')); // IPv4 with a port
        }
        boolean ipv4 = v.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        boolean ipv6 = v.matches("[0-9a-fA-F:.]+") && v.contains(":");
        if (!ipv4 && !ipv6) {
            return null;
        }
        try {
            return InetAddress.getByName(v);
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
