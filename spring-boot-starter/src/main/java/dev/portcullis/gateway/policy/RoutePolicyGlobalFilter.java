package dev.portcullis.gateway.policy;

import dev.portcullis.gateway.web.EdgeFilterOrder;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Resolves the matched route's policy once per request, before any filter needs it, and keeps it where every later
 * filter reads it: {@link RoutePolicy#of(ServerWebExchange)}. A route without a policy of its own is authenticated.
 */
public final class RoutePolicyGlobalFilter implements GlobalFilter, Ordered {

    private final RoutePolicies policies;

    public RoutePolicyGlobalFilter(RoutePolicies policies) {
        this.policies = policies;
    }

    @Override
    public int getOrder() {
        // the sequence of every filter, and why: EdgeFilterOrder
        return EdgeFilterOrder.ROUTE_POLICY;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        policies.forExchange(exchange);
        return chain.filter(exchange);
    }
}
