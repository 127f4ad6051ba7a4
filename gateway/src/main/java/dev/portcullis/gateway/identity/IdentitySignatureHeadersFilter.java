package dev.portcullis.gateway.identity;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR;

import dev.portcullis.contract.IdentitySignature;
import dev.portcullis.gateway.policy.RoutePolicy;
import dev.portcullis.gateway.web.EdgeAttributes;
import java.net.URI;
import java.time.Clock;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;

/**
 * Signs the identity headers of a request to an upstream whose route names an {@code identity-key}
 * ({@link IdentitySignature}: method, target, request id and every {@code x-user-*} header, absent ones included).
 *
 * <p>A header filter of the routing filter rather than a global filter: it runs on the headers that actually leave,
 * after the route's filters have rewritten the path ({@code StripPrefix}) and after every other header filter, so
 * what is signed is exactly what the service receives, and it costs no extra copy of the request.
 */
public final class IdentitySignatureHeadersFilter implements HttpHeadersFilter, Ordered {

    /** Last of the header filters: anything that changes headers must do so before they are signed. */
    public static final int ORDER = Ordered.LOWEST_PRECEDENCE;

    private final IdentitySigningKeys keys;
    private final Clock clock;

    public IdentitySignatureHeadersFilter(IdentitySigningKeys keys, Clock clock) {
        this.keys = keys;
        this.clock = clock;
    }

    @Override
    public int getOrder() {
        return ORDER;
    }

    @Override
    public HttpHeaders filter(HttpHeaders input, ServerWebExchange exchange) {
        RoutePolicy policy = exchange.getAttribute(EdgeAttributes.POLICY);
        String keyName = policy == null ? null : policy.identityKey();
        URI url = exchange.getAttribute(GATEWAY_REQUEST_URL_ATTR);
        if (keyName == null || url == null) {
            // No key: the identity goes unsigned, and a service that checks signatures treats it as no identity.
            return input;
        }
        IdentitySignature key = keys.get(keyName);
        // The other header filters return fresh, writable headers; only alone would this one see the request's own.
        HttpHeaders out = input == exchange.getRequest().getHeaders() ? HttpHeaders.copyOf(input) : input;
        long now = clock.millis() / 1000;
        out.set(IdentitySignature.TIMESTAMP, Long.toString(now));
        out.set(IdentitySignature.SIGNATURE, key.sign(now, exchange.getRequest().getMethod().name(), target(url), out::getFirst));
        return out;
    }

    /** The request target the HTTP client sends: the raw path ("/" when empty) and the raw query, if any. */
    static String target(URI url) {
        String path = url.getRawPath();
        if (path == null || path.isEmpty()) {
            path = "/";
        }
        String query = url.getRawQuery();
        return query == null ? path : path + '?' + query;
    }
}
