package dev.portcullis.gateway.security;

import dev.portcullis.gateway.policy.AccessRule;
import dev.portcullis.gateway.policy.RoutePolicy;
import dev.portcullis.gateway.policy.ShadowPolicyMonitor;
import dev.portcullis.gateway.revocation.RevocationChecker;
import dev.portcullis.gateway.token.VerifiedToken;
import dev.portcullis.net.ClientAddressResolver;
import dev.portcullis.gateway.web.EdgeAttributes;
import dev.portcullis.gateway.web.EdgeFilterOrder;
import dev.portcullis.gateway.web.ProblemWriter;
import dev.portcullis.gateway.web.Rejection;
import dev.portcullis.gateway.web.RejectionReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpMethod;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Deny by default: every routed request needs a valid, unrevoked access token and must satisfy the route's access
 * rule, unless that rule says {@code public}. On success the verified identity is left in the exchange for the
 * filters after it (rate limit, identity headers).
 *
 * <p>A route's shadow policy, if it has one, is decided from the same identity right after the live decision and only
 * compared with it ({@link ShadowPolicyMonitor}). On a public live route the token, if one is sent, is verified for
 * the shadow policy alone (never its revocation: no Redis round trip is added to public traffic); no token is the
 * shadow's {@code missing}.
 */
public final class AuthenticationGlobalFilter implements GlobalFilter, Ordered {

    private static final Logger log = LoggerFactory.getLogger(AuthenticationGlobalFilter.class);

    private final JwtAccessTokenVerifier verifier;
    private final RevocationChecker revocation;
    private final ClientAddressResolver clientAddresses;
    private final ShadowPolicyMonitor shadows;
    private final Clock clock;

    private final MeterRegistry meters;
    /** One counter per route that failed open (routes are few and configured: bounded). */
    private final Map<String, Counter> failOpen = new ConcurrentHashMap<>();

    public AuthenticationGlobalFilter(JwtAccessTokenVerifier verifier, RevocationChecker revocation,
                                      ClientAddressResolver clientAddresses, ShadowPolicyMonitor shadows, Clock clock,
                                      MeterRegistry meters) {
        this.meters = meters;
        // the series exists from the start (at 0, route "none" as elsewhere), so the fail-open alert has data to read
        failOpenCounter("none");
        this.verifier = verifier;
        this.revocation = revocation;
        this.clientAddresses = clientAddresses;
        this.shadows = shadows;
        this.clock = clock;
    }

    private Counter failOpenCounter(String route) {
        return failOpen.computeIfAbsent(route, id -> Counter.builder("portcullis.revocation.fail_open").tag("route", id)
                .description("Requests let through with their revocation status unknown").register(meters));
    }

    @Override
    public int getOrder() {
        // the sequence of every filter, and why: EdgeFilterOrder
        return EdgeFilterOrder.AUTHENTICATION;
    }

    /**
     * Who the request proves to be: a token that passed verification and revocation, or why there is none.
     *
     * @param token     the verified token, null with a rejection
     * @param rejection why the request carries no usable identity, or null
     */
    record Identity(@Nullable VerifiedToken token, @Nullable Rejection rejection) {

        static Identity refused(Rejection rejection) {
            return new Identity(null, rejection);
        }
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        RoutePolicy policy = RoutePolicy.of(exchange);
        HttpMethod method = exchange.getRequest().getMethod();
        RoutePolicy shadow = policy.shadow();
        if (policy.ruleFor(method).publicAccess()) {
            if (shadow == null || shadow.ruleFor(method).publicAccess() && shadow.allows(method)) {
                return chain.filter(exchange);
            }
            return identify(exchange, null).flatMap(identity -> {
                shadows.compare(exchange, policy.routeId(), null, decide(shadow, method, identity, clock.instant()));
                return chain.filter(exchange);
            });
        }
        return identify(exchange, policy).flatMap(identity -> {
            Instant now = clock.instant();
            Rejection live = decide(policy, method, identity, now);
            if (shadow != null) {
                shadows.compare(exchange, policy.routeId(), live, decide(shadow, method, identity, now));
            }
            if (identity.token() != null && policy.accepts(identity.token().issuer())) {
                exchange.getAttributes().put(EdgeAttributes.TOKEN, identity.token());
            }
            return live == null ? chain.filter(exchange) : ProblemWriter.reject(exchange, live);
        });
    }

    /**
     * The decision of {@code policy} for a request with this identity: no rejection (null) lets it through. The same steps for the
     * live and the shadow policy, in the order a client is answered: method, public, identity, issuer, access rule.
     */
    static @Nullable Rejection decide(RoutePolicy policy, HttpMethod method, Identity identity, Instant now) {
        if (!policy.allows(method)) {
            return Rejection.of(RejectionReason.METHOD_NOT_ALLOWED, "This route does not serve " + method.name());
        }
        AccessRule rule = policy.ruleFor(method);
        if (rule.publicAccess()) {
            return null;
        }
        if (identity.rejection() != null) {
            return identity.rejection();
        }
        if (!policy.accepts(identity.token().issuer())) {
            return Rejection.of(RejectionReason.ISSUER_NOT_ACCEPTED, "This route does not accept tokens of this issuer");
        }
        return rule.check(identity.token(), now);
    }

    /**
     * Verifies the bearer token and, for {@code policy} (null: for a shadow policy on a public route, never), checks
     * its revocation. A token of an issuer the live policy refuses is not looked up in Redis: it is refused anyway.
     */
    private Mono<Identity> identify(ServerWebExchange exchange, @Nullable RoutePolicy policy) {
        return switch (BearerToken.from(exchange.getRequest())) {
            case BearerToken.Absent absent ->
                    Mono.just(Identity.refused(Rejection.of(RejectionReason.MISSING, "This route requires a bearer access token")));
            case BearerToken.Refused refused -> Mono.just(Identity.refused(refused.rejection()));
            case BearerToken.Present present -> verifier.verify(present.value(),
                    () -> clientAddresses.resolve(exchange.getRequest())).flatMap(verification -> switch (verification) {
                case Verification.Rejected rejected -> Mono.just(Identity.refused(rejected.rejection()));
                case Verification.Verified verified -> policy == null || !policy.accepts(verified.token().issuer())
                        ? Mono.just(new Identity(verified.token(), null))
                        : checkRevocation(exchange, policy, verified.token());
            });
        };
    }

    private Mono<Identity> checkRevocation(ServerWebExchange exchange, RoutePolicy policy, VerifiedToken token) {
        return revocation.check(token).map(status -> switch (status) {
            case ACTIVE -> new Identity(token, null);
            case REVOKED_TOKEN -> Identity.refused(Rejection.of(RejectionReason.REVOKED, "The access token has been revoked"));
            case REVOKED_SUBJECT -> Identity.refused(
                    Rejection.of(RejectionReason.REVOKED, "The access token was revoked by a sign-out of all sessions"));
            case UNKNOWN -> {
                if (policy.revocationFailOpen()) {
                    // Opt-in per route: availability over the chance of honouring a revocation late. Logged and tagged.
                    log.warn("event=revocation_fail_open route={} user={}", policy.routeId(), token.subject());
                    failOpenCounter(policy.routeId()).increment();
                    exchange.getAttributes().put(EdgeAttributes.NOTE, "revocation_fail_open");
                    yield new Identity(token, null);
                }
                // Default: fail closed. Identity is at stake, and a revoked token must not pass because Redis is down.
                yield Identity.refused(Rejection.retryable(RejectionReason.REVOCATION_UNAVAILABLE,
                        "Token revocation cannot be checked right now", revocation.retryAfterUnknown()));
            }
        });
    }
}
