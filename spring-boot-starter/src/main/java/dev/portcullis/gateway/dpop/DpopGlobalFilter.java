package dev.portcullis.gateway.dpop;

import dev.portcullis.dpop.DpopCheck;
import dev.portcullis.dpop.DpopFailure;
import dev.portcullis.dpop.DpopProofVerifier;
import dev.portcullis.dpop.DpopReplayCache;
import dev.portcullis.gateway.policy.DpopRoutePolicy;
import dev.portcullis.gateway.policy.RoutePolicy;
import dev.portcullis.gateway.token.VerifiedToken;
import dev.portcullis.gateway.web.EdgeAttributes;
import dev.portcullis.gateway.web.EdgeFilterOrder;
import dev.portcullis.gateway.web.ProblemWriter;
import dev.portcullis.gateway.web.Rejection;
import dev.portcullis.gateway.web.RejectionReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Holds a DPoP-bound access token (RFC 9449, {@code cnf.jkt}) to its key on every request: the token must come with the
 * {@code DPoP} scheme and a proof that passes {@link DpopProofVerifier} for this request (method, public URI, the
 * token's hash), is signed by the key the token names, and has not been used before on any gateway instance
 * ({@link DpopReplayCache}). An unbound token may not use the {@code DPoP} scheme, and is refused on routes with
 * {@code policy.dpop: required}. The {@code DPoP} header is removed before forwarding unless the route says
 * {@code forward-dpop-proof: true}.
 *
 * <p>The token itself comes verified from {@link AuthenticationGlobalFilter}, from its cache when it was seen before;
 * the proof is never cached: it is checked, and its {@code jti} written to Redis, on every request.
 *
 * <p>Failure policy: when Redis cannot say whether a proof was seen, the request is refused (503, Retry-After),
 * logged and counted ({@code portcullis.dpop.proofs{outcome=replay_check_unavailable}}). Unlike revocation, no route
 * can opt out: a bound token is only as good as the freshness of its proof, and a route that would rather stay up
 * without Redis can let its clients use Bearer tokens.
 */
public final class DpopGlobalFilter implements GlobalFilter, Ordered {

    private static final Logger log = LoggerFactory.getLogger(DpopGlobalFilter.class);
    private static final Duration REPLAY_RETRY_AFTER = Duration.ofSeconds(1);

    private final DpopProofVerifier verifier;
    private final DpopReplayCache replay;
    private final PublicRequestUri publicUri;
    private final Clock clock;
    private final String algorithms;
    private final Counter accepted;
    private final Map<DpopFailure, Counter> refused = new EnumMap<>(DpopFailure.class);

    DpopGlobalFilter(DpopProofVerifier verifier, DpopReplayCache replay, PublicRequestUri publicUri,
                     Clock clock, MeterRegistry meters) {
        this.verifier = verifier;
        this.replay = replay;
        this.publicUri = publicUri;
        this.clock = clock;
        this.algorithms = "algs=\"" + verifier.rules().challengeAlgorithms() + "\"";
        this.accepted = counter(meters, "accepted");
        for (DpopFailure failure : DpopFailure.values()) {
            refused.put(failure, counter(meters, failure.tag()));
        }
    }

    private static Counter counter(MeterRegistry meters, String outcome) {
        return Counter.builder("portcullis.dpop.proofs").tag("outcome", outcome)
                .description("DPoP proofs of bound tokens checked at the edge, by outcome").register(meters);
    }

    @Override
    public int getOrder() {
        // the sequence of every filter, and why: EdgeFilterOrder
        return EdgeFilterOrder.DPOP;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        RoutePolicy policy = RoutePolicy.of(exchange);
        DpopRoutePolicy dpop = policy.dpop();
        ServerHttpRequest request = exchange.getRequest();
        HttpMethod method = request.getMethod();
        VerifiedToken token = exchange.getAttribute(EdgeAttributes.TOKEN);
        if (token == null || policy.ruleFor(method).publicAccess()) {
            // a public route: no token is checked here (its upstream, the auth service's token endpoints, reads the proof)
            return chain.filter(forward(exchange, dpop));
        }
        String authorization = request.getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
        boolean dpopScheme = authorization != null && authorization.length() > 5
                && authorization.regionMatches(true, 0, DpopProofVerifier.SCHEME + " ", 0, 5);
        if (!token.isBound()) {
            if (dpopScheme) {
                return reject(exchange, binding("The access token is not DPoP-bound; send it with the Bearer scheme"));
            }
            if (dpop.required()) {
                return reject(exchange, binding("This route requires a DPoP-bound access token"));
            }
            return chain.filter(forward(exchange, dpop));
        }
        if (!dpopScheme) {
            return reject(exchange, binding("The access token is DPoP-bound; send it with the DPoP scheme and a proof"));
        }
        String accessToken = authorization.substring(5).trim();
        List<String> proofs = request.getHeaders().get(DpopProofVerifier.HEADER);
        DpopCheck check = verifier.verify(proofs, method.name(), publicUri.of(request), accessToken, clock.instant());
        if (check instanceof DpopCheck.Refused no) {
            return refuse(exchange, no.failure(), no.detail());
        }
        DpopCheck.Accepted proof = (DpopCheck.Accepted) check;
        if (!proof.thumbprint().equals(token.boundTo())) {
            return refuse(exchange, DpopFailure.KEY_MISMATCH, "The DPoP proof is signed by another key than the token is bound to");
        }
        return replay.firstUse(proof).flatMap(verdict -> switch (verdict) {
            case FIRST_USE -> {
                accepted.increment();
                yield chain.filter(forward(exchange, dpop));
            }
            case REPLAYED -> refuse(exchange, DpopFailure.REPLAYED, "The DPoP proof was already used");
            case UNAVAILABLE -> {
                // fail closed (class comment): a proof that cannot be shown fresh does not let a bound token through
                refused.get(DpopFailure.REPLAY_CHECK_UNAVAILABLE).increment();
                log.warn("event=dpop_replay_check_unavailable route={} user={}", policy.routeId(), token.subject());
                yield ProblemWriter.reject(exchange, Rejection.retryable(RejectionReason.DPOP_REPLAY_UNAVAILABLE,
                        "The DPoP proof cannot be checked right now", REPLAY_RETRY_AFTER));
            }
        });
    }

    /** The exchange to forward: without the proof, unless the route's upstream checks proofs itself. */
    private static ServerWebExchange forward(ServerWebExchange exchange, DpopRoutePolicy dpop) {
        if (dpop.forwardProof() || !exchange.getRequest().getHeaders().containsHeader(DpopProofVerifier.HEADER)) {
            return exchange;
        }
        return exchange.mutate().request(exchange.getRequest().mutate()
                .headers(headers -> headers.remove(DpopProofVerifier.HEADER)).build()).build();
    }

    private Rejection binding(String detail) {
        return new Rejection(RejectionReason.DPOP_BINDING, detail, null, algorithms);
    }

    private Mono<Void> refuse(ServerWebExchange exchange, DpopFailure failure, String detail) {
        refused.get(failure).increment();
        exchange.getAttributes().put(EdgeAttributes.NOTE, "dpop_" + failure.tag());
        if (failure == DpopFailure.NONCE_REQUIRED) {
            exchange.getResponse().getHeaders().set(DpopProofVerifier.NONCE_HEADER, verifier.nonces().current(clock.instant()));
            return reject(exchange, new Rejection(RejectionReason.DPOP_NONCE_REQUIRED, detail, null, algorithms));
        }
        return reject(exchange, new Rejection(RejectionReason.DPOP_INVALID_PROOF, detail, null, algorithms));
    }

    private static Mono<Void> reject(ServerWebExchange exchange, Rejection rejection) {
        return ProblemWriter.reject(exchange, rejection);
    }
}
