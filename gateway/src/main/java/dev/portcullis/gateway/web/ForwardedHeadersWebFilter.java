package dev.portcullis.gateway.web;

import dev.portcullis.contract.IdentityHeaders;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.core.Ordered;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Removes what only a proxy may say about a request ({@code Forwarded}, every {@code X-Forwarded-*},
 * {@code X-Real-IP}) when the connection does not come from one of {@code portcullis.http.trusted-proxies}, before
 * any route or policy is chosen. Names are compared as CGI, PHP, Rack and WSGI stacks read them, lower-cased with
 * {@code _} read as {@code -}: {@code X_Forwarded_For} is {@code X-Forwarded-For} to them.
 *
 * <p>This is one half of "forwarded headers are believed from trusted proxies only". The other half is
 * {@code server.forward-headers-strategy: none} (application.yml): neither Reactor Netty nor Spring ever rewrite the
 * request's remote address, scheme, host or path from these headers (Spring Boot would switch Reactor Netty's
 * handling on by itself on Kubernetes), so even a trusted proxy's {@code X-Forwarded-Prefix} never changes which route
 * a path matches. What services are told is then written by Spring Cloud Gateway's forwarded-header filters, which
 * append the gateway's own hop to whatever is left here.
 */
public final class ForwardedHeadersWebFilter implements WebFilter, Ordered {

    /** After the header size check, before path normalisation and routing. */
    public static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 15;

    private final ClientAddressResolver clientAddresses;

    public ForwardedHeadersWebFilter(ClientAddressResolver clientAddresses) {
        this.clientAddresses = clientAddresses;
    }

    @Override
    public int getOrder() {
        return ORDER;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        ServerHttpRequest request = exchange.getRequest();
        List<String> remove = null;
        for (Map.Entry<String, List<String>> header : request.getHeaders().headerSet()) {
            if (isProxyHeader(header.getKey())) {
                if (remove == null) {
                    if (fromTrustedProxy(request)) {
                        return chain.filter(exchange);
                    }
                    remove = new ArrayList<>(2);
                }
                remove.add(header.getKey());
            }
        }
        if (remove == null) {
            return chain.filter(exchange);
        }
        List<String> names = remove;
        return chain.filter(exchange.mutate().request(r -> r.headers(headers -> names.forEach(headers::remove))).build());
    }

    private boolean fromTrustedProxy(ServerHttpRequest request) {
        InetSocketAddress peer = request.getRemoteAddress();
        return peer != null && peer.getAddress() != null && clientAddresses.isTrusted(peer.getAddress());
    }

    /** {@code Forwarded}, {@code X-Forwarded-*}, {@code X-Real-IP}: any case, {@code _} for {@code -}. */
    static boolean isProxyHeader(String name) {
        return IdentityHeaders.equalsNormalized(name, "forwarded") || IdentityHeaders.equalsNormalized(name, "x-real-ip")
                || (name.length() > 12 && IdentityHeaders.startsWithNormalized(name, "x-forwarded-"));
    }
}
