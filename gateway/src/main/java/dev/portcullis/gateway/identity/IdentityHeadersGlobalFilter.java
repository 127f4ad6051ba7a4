package dev.portcullis.gateway.identity;

import dev.portcullis.contract.IdentityHeaders;
import dev.portcullis.contract.IdentitySignature;
import dev.portcullis.gateway.policy.RoutePolicy;
import dev.portcullis.gateway.ratelimit.RateLimitGlobalFilter;
import dev.portcullis.gateway.security.VerifiedToken;
import dev.portcullis.gateway.web.EdgeAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * What the services may believe about who calls. The services' only source of identity. Removes from every routed
 * request every incoming header that only the gateway may set, compared by normalised name (lower case, {@code _}
 * read as {@code -}, since CGI, PHP, Rack and WSGI stacks map {@code x_user_id} and {@code X-User-Id} to one variable):
 * {@code x-user-*}, the identity signature's {@code x-portcullis-identity-*}, and an {@code x-request-id} spelt any other
 * way than with dashes. Then, when a token was verified, sets {@code x-user-id}, {@code x-user-role}, {@code x-user-permissions},
 * {@code x-user-scopes} and {@code x-user-amr} from its claims (already checked to be header-safe). Public routes get
 * no identity headers at all. Drops {@code Authorization} where the route says {@code forward-authorization: false}.
 *
 * <p>Forwarded headers of a client that is not a trusted proxy are already gone by the time this filter runs:
 * {@link dev.portcullis.gateway.web.ForwardedHeadersWebFilter} drops them before routing.
 */
public final class IdentityHeadersGlobalFilter implements GlobalFilter, Ordered {

    /** After authentication and rate limiting, so that no rejected request pays for the copy; before route filters. */
    public static final int ORDER = RateLimitGlobalFilter.ORDER + 50;

    @Override
    public int getOrder() {
        return ORDER;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        VerifiedToken token = exchange.getAttribute(EdgeAttributes.TOKEN);
        RoutePolicy policy = exchange.getAttribute(EdgeAttributes.POLICY);
        boolean dropAuthorization = policy != null && !policy.forwardAuthorization();
        HttpHeaders incoming = exchange.getRequest().getHeaders();
        String requestId = exchange.getAttribute(EdgeAttributes.REQUEST_ID);
        List<String> offeredIds = incoming.get(IdentityHeaders.REQUEST_ID);
        boolean setRequestId = requestId != null
                && (offeredIds == null || offeredIds.size() != 1 || !requestId.equals(offeredIds.getFirst()));
        List<String> spoofed = null;
        // One pass over the headers. (Spring 7's headerSet() still builds a case-insensitive name set per call; replacing
        // it with HttpHeaders.forEach made no difference in the JMH pipeline, so the simpler loop stays.)
        for (Map.Entry<String, List<String>> header : incoming.headerSet()) {
            String name = header.getKey();
            if (isGatewayOwned(name)) {
                if (spoofed == null) {
                    spoofed = new ArrayList<>(2);
                }
                spoofed.add(name);
            }
        }
        if (token == null && spoofed == null && !dropAuthorization && !setRequestId) {
            return chain.filter(exchange);
        }
        List<String> remove = spoofed;
        ServerWebExchange forwarded = exchange.mutate().request(request -> request.headers(headers -> {
            if (remove != null) {
                remove.forEach(headers::remove);
            }
            if (dropAuthorization) {
                headers.remove(HttpHeaders.AUTHORIZATION);
            }
            if (setRequestId) {
                headers.set(IdentityHeaders.REQUEST_ID, requestId);
            }
            if (token != null) {
                headers.set(IdentityHeaders.USER_ID, token.subject());
                setIfPresent(headers, IdentityHeaders.USER_ROLE, token.role());
                headers.set(IdentityHeaders.USER_PERMISSIONS, token.permissionsHeader());
                headers.set(IdentityHeaders.USER_SCOPES, token.scopesHeader());
                headers.set(IdentityHeaders.USER_AMR, token.amrHeader());
            }
        })).build();
        return chain.filter(forwarded);
    }

    /**
     * Whether only the gateway may send a header of this name: {@code x-user-*} and {@code x-portcullis-identity-*}
     * by normalised name, and {@code x-request-id} written with an underscore (the dashed one is the client's to offer,
     * and is checked and kept or replaced above). Without allocating: it runs for every header of every request.
     */
    static boolean isGatewayOwned(String name) {
        if (name.isEmpty() || (name.charAt(0) != 'x' && name.charAt(0) != 'X')) {
            return false; // the common case, decided on the first character
        }
        return IdentityHeaders.isIdentityHeader(name)
                || IdentityHeaders.startsWithNormalized(name, IdentitySignature.HEADER_PREFIX)
                || (IdentityHeaders.equalsNormalized(name, IdentityHeaders.REQUEST_ID)
                        && !name.equalsIgnoreCase(IdentityHeaders.REQUEST_ID));
    }

    private static void setIfPresent(HttpHeaders headers, String name, String value) {
        if (value != null) {
            headers.set(name, value);
        }
    }
}
