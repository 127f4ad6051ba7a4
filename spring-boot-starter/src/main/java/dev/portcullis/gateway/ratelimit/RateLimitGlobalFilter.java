package dev.portcullis.gateway.ratelimit;

import dev.portcullis.gateway.policy.RateLimit;
import dev.portcullis.gateway.policy.RoutePolicy;
import dev.portcullis.gateway.token.VerifiedToken;
import dev.portcullis.net.ClientAddressResolver;
import dev.portcullis.gateway.web.EdgeAttributes;
import dev.portcullis.gateway.web.EdgeFilterOrder;
import dev.portcullis.gateway.web.ProblemWriter;
import dev.portcullis.gateway.web.Rejection;
import dev.portcullis.gateway.web.RejectionReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Applies the route's rate limit: per user ({@code sub}) when the request carries a verified token, per client IP
 * otherwise (public routes, login above all). Sets {@code X-RateLimit-Limit}, {@code X-RateLimit-Remaining} and
 * {@code X-RateLimit-Reset} (seconds), and answers 429 with {@code Retry-After} when the quota is spent.
 */
public final class RateLimitGlobalFilter implements GlobalFilter, Ordered {

    private final LeasingRateLimiter limiter;
    private final RateLimitProperties properties;
    private final ClientAddressResolver clientAddresses;
    private final RateLimit authenticatedDefault;
    private final RateLimit anonymousDefault;
    private final MeterRegistry meters;
    private final java.util.concurrent.ConcurrentMap<String, Counter> counters = new java.util.concurrent.ConcurrentHashMap<>();

    public RateLimitGlobalFilter(LeasingRateLimiter limiter, RateLimitProperties properties,
                                 ClientAddressResolver clientAddresses, MeterRegistry meters) {
        this.limiter = limiter;
        this.properties = properties;
        this.clientAddresses = clientAddresses;
        this.meters = meters;
        this.authenticatedDefault = new RateLimit(properties.authenticated().requests(), properties.authenticated().period(),
                properties.authenticated().burst());
        this.anonymousDefault = new RateLimit(properties.anonymous().requests(), properties.anonymous().period(),
                properties.anonymous().burst());
    }

    @Override
    public int getOrder() {
        // the sequence of every filter, and why: EdgeFilterOrder
        return EdgeFilterOrder.RATE_LIMIT;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        RoutePolicy policy = RoutePolicy.of(exchange);
        if (!applies(policy)) {
            return chain.filter(exchange);
        }
        VerifiedToken token = exchange.getAttribute(EdgeAttributes.TOKEN);
        RateLimit limit = limitFor(policy, token);
        String party = party(policy, token, token != null ? null : clientAddresses.resolve(exchange.getRequest()));
        return limiter.acquire(party, limit).flatMap(decision -> {
            count(policy.routeId(), decision);
            HttpHeaders headers = exchange.getResponse().getHeaders();
            headers.set("X-RateLimit-Limit", Integer.toString(decision.limit()));
            if (decision.outcome() != RateLimitDecision.Outcome.UNCHECKED) {
                headers.set("X-RateLimit-Remaining", Long.toString(decision.remaining()));
                headers.set("X-RateLimit-Reset", Long.toString(ceilSeconds(decision.resetAfter())));
            }
            if (!decision.allowed()) {
                return ProblemWriter.reject(exchange, exceeded(limit, decision.retryAfter()));
            }
            return chain.filter(exchange);
        });
    }

    /** The 429 of a spent quota. */
    public static Rejection exceeded(RateLimit limit, Duration retryAfter) {
        return Rejection.retryable(RejectionReason.RATE_LIMITED,
                "Rate limit of " + limit.requests() + " requests per " + limit.period() + " exceeded", retryAfter);
    }

    /** Whether requests of the route are limited at all. */
    public boolean applies(RoutePolicy policy) {
        return properties.enabled() && policy != null && policy.rateLimitEnabled();
    }

    /** The route's own limit, else the default of its kind: per user with a token, per client IP without. */
    public RateLimit limitFor(RoutePolicy policy, VerifiedToken token) {
        return policy.rateLimit() != null ? policy.rateLimit() : token != null ? authenticatedDefault : anonymousDefault;
    }

    /** Whose quota a request spends: the user's on this route when it carries a verified token, else its IP's. */
    public static String party(RoutePolicy policy, VerifiedToken token, String clientAddress) {
        return policy.routeId() + ":" + (token != null ? "u:" + token.subject() : "ip:" + clientAddress);
    }

    private void count(String route, RateLimitDecision decision) {
        String outcome = decision.outcome().tag();
        // counters cached per (route, outcome): no meter-id building on the request path
        counters.computeIfAbsent(route + '|' + outcome, key -> Counter.builder("portcullis.ratelimit.decisions")
                .tag("route", route).tag("outcome", outcome)
                .description("Rate-limit decisions by route and outcome").register(meters)).increment();
    }

    private static long ceilSeconds(Duration duration) {
        return (duration.toMillis() + 999) / 1000;
    }
}
