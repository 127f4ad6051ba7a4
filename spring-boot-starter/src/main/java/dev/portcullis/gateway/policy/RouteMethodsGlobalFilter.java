package dev.portcullis.gateway.policy;

import dev.portcullis.gateway.web.EdgeFilterOrder;
import dev.portcullis.gateway.web.ProblemWriter;
import dev.portcullis.gateway.web.Rejection;
import dev.portcullis.gateway.web.RejectionReason;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Answers 405 (with {@code Allow}) when the matched route has {@code access} rules, none of them names the request's
 * method, and the route does not say {@code unlisted-methods: route-rule}. A method a team wrote no rule for must not
 * quietly get the route-level rule, which is often weaker than the rules written for each method.
 */
public final class RouteMethodsGlobalFilter implements GlobalFilter, Ordered {

    @Override
    public int getOrder() {
        // the sequence of every filter, and why: EdgeFilterOrder
        return EdgeFilterOrder.ROUTE_METHODS;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        RoutePolicy policy = RoutePolicy.of(exchange);
        if (policy.unavailable()) {
            // fail closed: the route's intended rule is unknown (its new policy was rejected, and it had no old one)
            return ProblemWriter.reject(exchange, policyUnavailable());
        }
        HttpMethod method = exchange.getRequest().getMethod();
        if (policy.allows(method)) {
            return chain.filter(exchange);
        }
        exchange.getResponse().getHeaders().set(HttpHeaders.ALLOW, policy.allowHeader());
        return ProblemWriter.reject(exchange, methodNotAllowed(policy));
    }

    /** The 503 of a route whose policy could not be compiled. */
    public static Rejection policyUnavailable() {
        return Rejection.retryable(RejectionReason.POLICY_UNAVAILABLE, "This route's policy is being reloaded",
                java.time.Duration.ofSeconds(5));
    }

    /** The 405 of a method the route does not serve (the caller sets {@code Allow}). */
    public static Rejection methodNotAllowed(RoutePolicy policy) {
        return Rejection.of(RejectionReason.METHOD_NOT_ALLOWED, "This route serves only " + policy.allowHeader());
    }
}
