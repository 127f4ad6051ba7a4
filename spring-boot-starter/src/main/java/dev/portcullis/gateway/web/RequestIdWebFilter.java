package dev.portcullis.gateway.web;

import dev.portcullis.contract.IdentityHeaders;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Fixes the request's id: the client's {@code x-request-id} when it is well-formed ({@link RequestIds}), else a
 * generated one. Kept under {@link EdgeAttributes#REQUEST_ID} for the access log, the problem documents and the
 * identity headers, and echoed on the response. The request itself is not copied here: {@code
 * UpstreamIdentityHeadersFilter} sends the id upstream on the copy of the request headers it makes anyway.
 *
 * <p>A spelling of the header other than the dashed one never gets this far: {@link RequestHeadScreen} removed it.
 */
public final class RequestIdWebFilter implements WebFilter, Ordered {

    @Override
    public int getOrder() {
        // the sequence of every filter, and why: EdgeFilterOrder
        return EdgeFilterOrder.REQUEST_ID;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String offered = exchange.getRequest().getHeaders().getFirst(IdentityHeaders.REQUEST_ID);
        String requestId = RequestIds.isWellFormed(offered) ? offered : RequestIds.generate();
        exchange.getAttributes().put(EdgeAttributes.REQUEST_ID, requestId);
        exchange.getResponse().getHeaders().set(IdentityHeaders.REQUEST_ID, requestId);
        return chain.filter(exchange);
    }
}
