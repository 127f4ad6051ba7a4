package dev.portcullis.net;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * The client's IP address, for per-IP limits and logs: the one rule the gateway and the auth service share.
 * {@code X-Forwarded-For} is believed only when the connection comes from a trusted proxy; then the list is walked
 * from the right, skipping trusted hops, and the first untrusted address is the client. Entries further left are
 * whatever the client chose to send; believing them would let a caller pick its own IP and dodge the limits.
 * A malformed entry ends the walk: nothing to its left is believed, and the client is the last address that was
 * (the nearest trusted hop). Several header lines are one list. Entries may carry a port ({@link IpLiteral#hop}).
 */
public final class ClientAddressResolver {

    /** What {@link #resolve} returns when the connection has no peer address (a test request, a closed socket). */
    public static final String UNKNOWN = "unknown";

    private static final String X_FORWARDED_FOR = "X-Forwarded-For";

    private final TrustedProxies trustedProxies;

    /**
     * @param key            the configuration key the trusted proxies came from, named when one is wrong
     * @param trustedProxies addresses or CIDR blocks of the proxies in front of this service
     */
    public ClientAddressResolver(String key, List<String> trustedProxies) {
        this.trustedProxies = TrustedProxies.parse(key, trustedProxies);
    }

    /** The client's address in {@link InetAddress#getHostAddress()} form, or {@link #UNKNOWN}. */
    public String resolve(ServerHttpRequest request) {
        return resolve(request.getRemoteAddress(), request.getHeaders().get(X_FORWARDED_FOR));
    }

    /**
     * @param peer         the connection's remote address, or null
     * @param forwardedFor the {@code X-Forwarded-For} header lines, or null
     */
    public String resolve(InetSocketAddress peer, List<String> forwardedFor) {
        InetAddress peerAddress = peer == null ? null : peer.getAddress();
        if (peerAddress == null) {
            return UNKNOWN;
        }
        InetAddress client = peerAddress;
        if (trustedProxies.contains(peerAddress) && forwardedFor != null && !forwardedFor.isEmpty()) {
            String[] hops = String.join(",", forwardedFor).split(",", -1);
            for (int i = hops.length - 1; i >= 0; i--) {
                Optional<InetAddress> hop = IpLiteral.hop(hops[i]);
                if (hop.isEmpty()) {
                    break; // a malformed entry: stop believing anything further to the left
                }
                client = hop.get();
                if (!trustedProxies.contains(client)) {
                    break;
                }
            }
        }
        return client.getHostAddress();
    }

    /** Whether the connection's peer is one of the trusted proxies (whose forwarded headers may be kept). */
    public boolean isTrusted(InetAddress address) {
        return trustedProxies.contains(address);
    }
}
