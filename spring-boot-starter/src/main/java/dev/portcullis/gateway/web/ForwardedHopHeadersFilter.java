package dev.portcullis.gateway.web;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ORIGINAL_REQUEST_URL_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;

/**
 * Tells the service behind a route what the gateway saw: it appends the gateway's own hop to {@code X-Forwarded-For}
 * (the connection's address), {@code -Proto} (scheme), {@code -Port}, {@code -Host} and {@code Forwarded}
 * ({@code proto;host;for}), and sets {@code X-Forwarded-Prefix} to what the route stripped from the path
 * ({@code StripPrefix}). What a trusted proxy said comes first; a client that is not one of
 * {@code portcullis.http.trusted-proxies} said nothing, since {@link RequestHeadScreen} removed its headers before
 * routing.
 *
 * <p>Spring Cloud Gateway's own forwarded-header filters are switched off ({@code forwarded.enabled: false},
 * {@code x-forwarded.enabled: false} in application.yml), so, as in a vanilla gateway, its {@code Remove*} filters
 * clear these headers from the copy the routing filter sends; this filter (after them) writes them again from the
 * request, which the screen already made trustworthy. One pass, no copy of its own: under load, Spring Cloud
 * Gateway's two filters cost two more copies of the headers and ~5% of a proxied request's CPU.
 */
public final class ForwardedHopHeadersFilter implements HttpHeadersFilter, Ordered {

    static final String X_FORWARDED_FOR = "X-Forwarded-For";
    static final String X_FORWARDED_PROTO = "X-Forwarded-Proto";
    static final String X_FORWARDED_PORT = "X-Forwarded-Port";
    static final String X_FORWARDED_HOST = "X-Forwarded-Host";
    static final String X_FORWARDED_PREFIX = "X-Forwarded-Prefix";
    static final String FORWARDED = "Forwarded";

    @Override
    public int getOrder() {
        // the sequence of every filter, and why: EdgeFilterOrder
        return EdgeFilterOrder.UPSTREAM_HEADERS;
    }

    @Override
    public HttpHeaders filter(HttpHeaders input, ServerWebExchange exchange) {
        ServerHttpRequest request = exchange.getRequest();
        HttpHeaders received = request.getHeaders();
        // the Remove filters hand over a fresh copy; alone (in a test), this filter copies the request's headers once
        HttpHeaders out = input == received ? HttpHeaders.copyOf(input) : input;
        URI uri = request.getURI();
        String scheme = uri.getScheme();
        int port = uri.getPort() >= 0 ? uri.getPort() : "https".equals(scheme) ? 443 : 80;
        InetSocketAddress peer = request.getRemoteAddress();
        String peerHost = peer == null ? null : peer.getHostString();

        append(out, received, X_FORWARDED_FOR, peerHost);
        append(out, received, X_FORWARDED_PROTO, scheme);
        append(out, received, X_FORWARDED_PORT, Integer.toString(port));
        append(out, received, X_FORWARDED_HOST, hostOf(uri, scheme));
        String prefix = strippedPrefix(exchange);
        if (prefix != null) {
            out.set(X_FORWARDED_PREFIX, prefix);
        } else {
            copy(out, received, X_FORWARDED_PREFIX);
        }
        copy(out, received, FORWARDED);
        out.add(FORWARDED, forwardedElement(scheme, received.getFirst(HttpHeaders.HOST), peer));
        return out;
    }

    /** {@code name: <what a trusted proxy sent, comma-joined>,<value>} as one line; just the value when nothing was sent. */
    private static void append(HttpHeaders out, HttpHeaders received, String name, String value) {
        List<String> earlier = received.get(name);
        if (earlier == null || earlier.isEmpty()) {
            if (value != null) {
                out.set(name, value);
            } else {
                out.remove(name);
            }
            return;
        }
        StringBuilder joined = new StringBuilder();
        for (String one : earlier) {
            if (!joined.isEmpty()) {
                joined.append(',');
            }
            joined.append(one);
        }
        if (value != null) {
            joined.append(',').append(value);
        }
        out.set(name, joined.toString());
    }

    private static void copy(HttpHeaders out, HttpHeaders received, String name) {
        List<String> earlier = received.get(name);
        if (earlier == null || earlier.isEmpty()) {
            out.remove(name);
        } else {
            out.put(name, new ArrayList<>(earlier));
        }
    }

    /** The gateway's host as the client addressed it, with the port unless it is the scheme's default. */
    private static String hostOf(URI uri, String scheme) {
        int port = uri.getPort();
        if (port < 0 || (port == 80 && "http".equals(scheme)) || (port == 443 && "https".equals(scheme))) {
            return uri.getHost();
        }
        return uri.getHost() + ":" + port;
    }

    /**
     * The part of the path the route removed: the original path minus the path sent upstream, when the one ends with
     * the other (trailing slashes ignored); null when the route kept the path.
     */
    private static String strippedPrefix(ServerWebExchange exchange) {
        Set<URI> originals = exchange.getAttribute(GATEWAY_ORIGINAL_REQUEST_URL_ATTR);
        URI sent = exchange.getAttribute(GATEWAY_REQUEST_URL_ATTR);
        if (originals == null || sent == null) {
            return null;
        }
        String prefix = null;
        String sentPath = withoutTrailingSlash(sent.getPath());
        for (URI original : originals) {
            String originalPath = original == null ? null : withoutTrailingSlash(original.getPath());
            if (originalPath != null && sentPath != null && originalPath.endsWith(sentPath)) {
                String candidate = originalPath.substring(0, originalPath.length() - sentPath.length());
                if (!candidate.isEmpty()) {
                    prefix = candidate;
                }
            }
        }
        return prefix;
    }

    private static String withoutTrailingSlash(String path) {
        return path != null && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    /** RFC 7239: {@code proto=http;host="gw:8080";for="192.0.2.1:51000"} (IPv6 in brackets), values with ':' quoted. */
    static String forwardedElement(String scheme, String host, InetSocketAddress peer) {
        StringBuilder element = new StringBuilder("proto=").append(scheme);
        if (host != null) {
            element.append(";host=").append(quoteIfNeeded(host));
        }
        if (peer != null) {
            String address;
            if (peer.isUnresolved() || peer.getAddress() == null) {
                address = peer.getHostString();
            } else {
                address = peer.getAddress().getHostAddress();
                if (peer.getAddress() instanceof Inet6Address) {
                    address = "[" + address + "]";
                }
            }
            element.append(";for=").append(quoteIfNeeded(address + ":" + peer.getPort()));
        }
        return element.toString();
    }

    private static String quoteIfNeeded(String value) {
        return value.indexOf(':') >= 0 ? '"' + value + '"' : value;
    }
}
