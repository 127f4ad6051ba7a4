package dev.portcullis.gateway.identity;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR;

import dev.portcullis.contract.IdentityHeaders;
import dev.portcullis.contract.IdentitySignature;
import dev.portcullis.gateway.policy.RoutePolicy;
import dev.portcullis.gateway.token.VerifiedToken;
import dev.portcullis.gateway.web.EdgeAttributes;
import dev.portcullis.gateway.web.EdgeFilterOrder;
import dev.portcullis.gateway.web.RequestHeadScreen;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;

/**
 * What the services may believe about who calls, written on the headers that leave for the upstream. The services'
 * only source of identity:
 * <ol>
 *   <li>removes every header only the gateway may set ({@link RequestHeadScreen#isGatewayOwned}). A client's never get
 *       this far (the screen removed them before routing); this catches a route filter that adds one;</li>
 *   <li>drops {@code Authorization} where the route says {@code forward-authorization: false};</li>
 *   <li>sets {@code x-request-id} to the request's id (the client's when well-formed, else the gateway's);</li>
 *   <li>when a token was verified, sets {@code x-user-id}, {@code x-user-role}, {@code x-user-permissions},
 *       {@code x-user-scopes} and {@code x-user-amr} from its claims (already checked to be header-safe). Public
 *       routes get no identity headers at all;</li>
 *   <li>when the route names an {@code identity-key}, signs them ({@link IdentitySignature}: method, target, request
 *       id and every {@code x-user-*} header, absent ones included).</li>
 * </ol>
 *
 * <p>A header filter of the routing filter rather than a global filter: it runs last, on the headers that actually
 * leave, after the route's filters have rewritten the path ({@code StripPrefix}) and after every other header filter
 * (a client's {@code Connection: x-user-id} cannot make the hop-by-hop filter remove what is set here), so what is
 * signed is exactly what the service receives. And it costs no copy of the request: the other header filters hand it
 * fresh, writable headers.
 */
public final class UpstreamIdentityHeadersFilter implements HttpHeadersFilter, Ordered {

    private final IdentitySigningKeys keys;
    private final Clock clock;

    public UpstreamIdentityHeadersFilter(IdentitySigningKeys keys, Clock clock) {
        this.keys = keys;
        this.clock = clock;
    }

    @Override
    public int getOrder() {
        // the sequence of every filter, and why: EdgeFilterOrder
        return EdgeFilterOrder.UPSTREAM_HEADERS;
    }

    @Override
    public HttpHeaders filter(HttpHeaders input, ServerWebExchange exchange) {
        // Only alone would this filter see the request's own (read-only) headers; then it copies them once.
        HttpHeaders out = input == exchange.getRequest().getHeaders() ? HttpHeaders.copyOf(input) : input;
        removeGatewayOwned(out);
        RoutePolicy policy = RoutePolicy.of(exchange);
        if (!policy.forwardAuthorization()) {
            out.remove(HttpHeaders.AUTHORIZATION);
        }
        String requestId = exchange.getAttribute(EdgeAttributes.REQUEST_ID);
        if (requestId != null) {
            out.set(IdentityHeaders.REQUEST_ID, requestId);
        }
        VerifiedToken token = exchange.getAttribute(EdgeAttributes.TOKEN);
        if (token != null) {
            out.set(IdentityHeaders.USER_ID, token.subject());
            if (token.roleHeader() != null) {
                out.set(IdentityHeaders.USER_ROLE, token.roleHeader());
            }
            if (token.issuerHeader() != null) {
                out.set(IdentityHeaders.USER_ISSUER, token.issuerHeader());
            }
            out.set(IdentityHeaders.USER_PERMISSIONS, token.permissionsHeader());
            out.set(IdentityHeaders.USER_SCOPES, token.scopesHeader());
            out.set(IdentityHeaders.USER_AMR, token.amrHeader());
        }
        sign(out, exchange, policy);
        return out;
    }

    private void sign(HttpHeaders out, ServerWebExchange exchange, RoutePolicy policy) {
        String keyName = policy.identityKey();
        URI url = exchange.getAttribute(GATEWAY_REQUEST_URL_ATTR);
        if (keyName == null || url == null) {
            // No key: the identity goes unsigned, and a service that checks signatures treats it as no identity.
            return;
        }
        IdentitySignature key = keys.get(keyName);
        long now = clock.millis() / 1000;
        out.set(IdentitySignature.TIMESTAMP, Long.toString(now));
        out.set(IdentitySignature.SIGNATURE, key.sign(now, exchange.getRequest().getMethod().name(), target(url), out::getFirst));
    }

    /**
     * Removes gateway-owned names; nearly always there are none. {@code forEach} walks the headers as they are stored:
     * {@code headerNames()} would build a case-insensitive name set on every request.
     */
    private static void removeGatewayOwned(HttpHeaders out) {
        List<String> owned = new ArrayList<>(0);
        out.forEach((name, values) -> {
            if (RequestHeadScreen.isGatewayOwned(name)) {
                owned.add(name);
            }
        });
        owned.forEach(out::remove);
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
