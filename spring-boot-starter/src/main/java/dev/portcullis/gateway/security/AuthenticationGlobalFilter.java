package dev.portcullis.gateway.security;

import dev.portcullis.gateway.policy.AccessRule;
import dev.portcullis.gateway.policy.RoutePolicies;
import dev.portcullis.gateway.policy.RoutePolicy;
import dev.portcullis.gateway.revocation.RevocationChecker;
import dev.portcullis.gateway.web.ClientAddressResolver;
import dev.portcullis.gateway.web.EdgeAttributes;
import dev.portcullis.gateway.web.ProblemWriter;
import dev.portcullis.gateway.web.Rejection;
import dev.portcullis.gateway.web.RejectionReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Deny by default: every routed request needs a valid, unrevoked access token and must satisfy the route's access
 * rule, unless that rule says {@code public}. On success the verified identity is left in the exchange for the
 * filters after it (rate limit, identity headers).
 */
public final class AuthenticationGlobalFilter implements GlobalFilter, Ordered {

    /**
     * Before every route filter (those are ordered 1..n) and before rate limiting, which needs the user, and
     * identity propagation, which needs the token; after Spring Cloud Gateway's body-caching filters.
     */
    public static final int ORDER = -300;

    private static final Logger log = LoggerFactory.getLogger(AuthenticationGlobalFilter.class);
    private static final Duration REVOCATION_RETRY_AFTER = Duration.ofSeconds(5);

    private final RoutePolicies policies;
    private final AccessTokenVerifier verifier;
    private final RevocationChecker revocation;
    private final ClientAddressResolver clientAddresses;

    private final MeterRegistry meters;
    /** One counter per route that failed open (routes are few and configured: bounded). */
    private final Map<String, Counter> failOpen = new ConcurrentHashMap<>();

    public AuthenticationGlobalFilter(RoutePolicies policies, AccessTokenVerifier verifier, RevocationChecker revocation,
                                      ClientAddressResolver clientAddresses, MeterRegistry meters) {
        this.meters = meters;
        // the series exists from the start (at 0, route "none" as elsewhere), so the fail-open alert has data to read
        failOpenCounter("none");
        this.policies = policies;
        this.verifier = verifier;
        this.revocation = revocation;
        this.clientAddresses = clientAddresses;
    }

    private Counter failOpenCounter(String route) {
        return failOpen.computeIfAbsent(route, id -> Counter.builder("portcullis.revocation.fail_open").tag("route", id)
                .description("Requests let through with their revocation status unknown").register(meters));
    }

    @Override
    public int getOrder() {
        return ORDER;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        RoutePolicy policy = policies.forExchange(exchange);
        AccessRule rule = policy.ruleFor(exchange.getRequest().getMethod());
        if (rule.publicAccess()) {
            return chain.filter(exchange);
        }
        return switch (BearerToken.from(exchange.getRequest())) {
            case BearerToken.Absent absent -> ProblemWriter.reject(exchange,
                    Rejection.of(RejectionReason.MISSING, "This route requires a bearer access token"));
            case BearerToken.Refused refused -> ProblemWriter.reject(exchange, refused.rejection());
            case BearerToken.Present present -> verifier.verify(present.value(),
                    () -> clientAddresses.resolve(exchange.getRequest())).flatMap(verification -> switch (verification) {
                case Verification.Rejected rejected -> ProblemWriter.reject(exchange, rejected.rejection());
                case Verification.Verified verified -> policy.accepts(verified.token().issuer())
                        ? checkRevocation(exchange, chain, policy, rule, verified.token())
                        : ProblemWriter.reject(exchange, Rejection.of(RejectionReason.ISSUER_NOT_ACCEPTED,
                                "This route does not accept tokens of this issuer"));
            });
        };
    }

    private Mono<Void> checkRevocation(ServerWebExchange exchange, GatewayFilterChain chain, RoutePolicy policy,
                                       AccessRule rule, VerifiedToken token) {
        return revocation.check(token).flatMap(status -> switch (status) {
            case ACTIVE -> authorize(exchange, chain, rule, token);
            case REVOKED_TOKEN -> ProblemWriter.reject(exchange, Rejection.of(RejectionReason.REVOKED, "The access token has been revoked"));
            case REVOKED_SUBJECT -> ProblemWriter.reject(exchange,
                    Rejection.of(RejectionReason.REVOKED, "The access token was revoked by a sign-out of all sessions"));
            case UNKNOWN -> {
                if (policy.revocationFailOpen()) {
                    // Opt-in per route: availability over the chance of honouring a revocation late. Logged and tagged.
                    log.warn("event=revocation_fail_open route={} user={}", policy.routeId(), token.subject());
                    failOpenCounter(policy.routeId()).increment();
                    exchange.getAttributes().put(EdgeAttributes.NOTE, "revocation_fail_open");
                    yield authorize(exchange, chain, rule, token);
                }
                // Default: fail closed. Identity is at stake, and a revoked token must not pass because Redis is down.
                yield ProblemWriter.reject(exchange, Rejection.retryable(RejectionReason.REVOCATION_UNAVAILABLE,
                        "Token revocation cannot be checked right now", REVOCATION_RETRY_AFTER));
            }
        });
    }

    private static Mono<Void> authorize(ServerWebExchange exchange, GatewayFilterChain chain, AccessRule rule, VerifiedToken token) {
        exchange.getAttributes().put(EdgeAttributes.TOKEN, token);
        Rejection denied = rule.check(token);
        return denied != null ? ProblemWriter.reject(exchange, denied) : chain.filter(exchange);
    }
}
