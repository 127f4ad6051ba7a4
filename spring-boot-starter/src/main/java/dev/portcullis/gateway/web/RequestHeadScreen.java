package dev.portcullis.gateway.web;

import dev.portcullis.contract.IdentityHeaders;
import dev.portcullis.contract.IdentitySignature;
import dev.portcullis.net.ClientAddressResolver;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What every request's headers go through before Spring, a route or a filter sees them, in one pass over Netty's own
 * header list (no case-insensitive copy, no request decorator):
 * <ul>
 *   <li><b>size</b>: all headers together (name + value + 4 bytes per line) above {@code portcullis.http.max-header-bytes}
 *       refuse the request with 431. Netty's own, larger limit stays as the last line against absurd requests; this one
 *       is the limit clients see, explained;</li>
 *   <li><b>identity only the gateway may set</b>: {@code x-user-*} and {@code x-portcullis-identity-*} by normalised
 *       name (lower case, {@code _} read as {@code -}: CGI, PHP, Rack and WSGI stacks map {@code x_user_id} and
 *       {@code X-User-Id} to one variable), and {@code x-request-id} spelt any other way than with dashes, are removed
 *       whoever sends them: no route predicate, filter or service ever sees a client's claim to an identity;</li>
 *   <li><b>what only a proxy may say</b>: {@code Forwarded}, every {@code X-Forwarded-*} and {@code X-Real-IP}, by the
 *       same normalised names, are removed unless the connection comes from one of {@code portcullis.http.trusted-proxies}.
 *       With {@code server.forward-headers-strategy: none} (application.yml) neither Reactor Netty nor Spring rewrite
 *       the request's address, scheme, host or path from them, so even a trusted proxy's {@code X-Forwarded-Prefix}
 *       never changes which route a path matches. What services are told is written by Spring Cloud Gateway's
 *       forwarded-header filters, which append the gateway's own hop to whatever is left here.</li>
 * </ul>
 * The dashed {@code x-request-id} is the client's to offer: the access log keeps it when well-formed, else replaces it.
 */
public final class RequestHeadScreen {

    private final int maxHeaderBytes;
    private final ClientAddressResolver clientAddresses;

    public RequestHeadScreen(int maxHeaderBytes, ClientAddressResolver clientAddresses) {
        this.maxHeaderBytes = maxHeaderBytes;
        this.clientAddresses = clientAddresses;
    }

    /**
     * Screens the headers in place: removes what the client may not send, and decides on their size.
     *
     * @param peer the connection's remote address, null when unknown (then no proxy is trusted)
     * @return the refusal (431) when the headers are too large, else null
     */
    public @Nullable Rejection screen(HttpHeaders headers, @Nullable InetAddress peer) {
        long total = 0;
        List<CharSequence> remove = null;
        Boolean trustedPeer = null;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> entries = headers.iteratorCharSequence(); entries.hasNext(); ) {
            Map.Entry<CharSequence, CharSequence> header = entries.next();
            CharSequence name = header.getKey();
            total += name.length() + header.getValue().length() + 4;
            boolean refused = isGatewayOwned(name);
            if (!refused && isProxyHeader(name)) {
                if (trustedPeer == null) {
                    trustedPeer = peer != null && clientAddresses.isTrusted(peer);
                }
                refused = !trustedPeer;
            }
            if (refused) {
                if (remove == null) {
                    remove = new ArrayList<>(2);
                }
                remove.add(name);
            }
        }
        if (total > maxHeaderBytes) {
            return Rejection.of(RejectionReason.HEADERS_TOO_LARGE, "The request headers are larger than " + maxHeaderBytes + " bytes");
        }
        if (remove != null) {
            // Netty's remove matches names case-insensitively, and removes every line of that name
            remove.forEach(headers::remove);
        }
        return null;
    }

    /**
     * Whether only the gateway may send a header of this name: {@code x-user-*} and {@code x-portcullis-identity-*}
     * by normalised name, and {@code x-request-id} written with an underscore. Without allocating: it runs for every
     * header of every request, and most are decided on their first character.
     */
    public static boolean isGatewayOwned(CharSequence name) {
        if (name.isEmpty() || (name.charAt(0) != 'x' && name.charAt(0) != 'X')) {
            return false;
        }
        return IdentityHeaders.isIdentityHeader(name)
                || IdentityHeaders.startsWithNormalized(name, IdentitySignature.HEADER_PREFIX)
                || (IdentityHeaders.equalsNormalized(name, IdentityHeaders.REQUEST_ID) && !isDashed(name));
    }

    /** {@code Forwarded}, {@code X-Forwarded-*}, {@code X-Real-IP}: any case, {@code _} for {@code -}. */
    public static boolean isProxyHeader(CharSequence name) {
        return IdentityHeaders.equalsNormalized(name, "forwarded") || IdentityHeaders.equalsNormalized(name, "x-real-ip")
                || (name.length() > 12 && IdentityHeaders.startsWithNormalized(name, "x-forwarded-"));
    }

    private static boolean isDashed(CharSequence name) {
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) == '_') {
                return false;
            }
        }
        return true;
    }
}
