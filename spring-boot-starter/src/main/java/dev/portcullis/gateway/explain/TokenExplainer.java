package dev.portcullis.gateway.explain;

import dev.portcullis.contract.RevocationKeys;
import dev.portcullis.gateway.explain.Explanation.Check;
import dev.portcullis.gateway.explain.Explanation.Decision;
import dev.portcullis.gateway.policy.AccessRule;
import dev.portcullis.gateway.policy.RouteMethodsGlobalFilter;
import dev.portcullis.gateway.policy.RoutePolicies;
import dev.portcullis.gateway.policy.RoutePolicy;
import dev.portcullis.gateway.ratelimit.LeasingRateLimiter;
import dev.portcullis.gateway.ratelimit.RateLimitGlobalFilter;
import dev.portcullis.gateway.ratelimit.RateLimitState;
import dev.portcullis.gateway.revocation.RevocationChecker;
import dev.portcullis.gateway.revocation.RevocationStatus;
import dev.portcullis.gateway.security.JwtAccessTokenVerifier;
import dev.portcullis.gateway.security.BearerToken;
import dev.portcullis.gateway.security.Verification;
import dev.portcullis.gateway.security.VerificationTrace;
import dev.portcullis.gateway.token.VerifiedToken;
import dev.portcullis.gateway.policy.RateLimit;
import dev.portcullis.gateway.web.PathNormalizationWebFilter;
import dev.portcullis.gateway.web.ProblemWriter;
import dev.portcullis.gateway.web.Rejection;
import dev.portcullis.gateway.web.RejectionReason;
import dev.portcullis.redis.RedisConnections;
import io.lettuce.core.KeyValue;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Answers "what would the edge do with this request, and why", by running the edge's own checks in the edge's order
 * on a request that never arrives: path screen, route match (the gateway's {@link RouteLocator} and each route's own
 * predicate), the route's policy and method, the bearer token (the {@link JwtAccessTokenVerifier}'s one code path,
 * traced), the route's issuers, revocation (the same {@link RevocationChecker} as requests, plus the markers read
 * directly to show the instant of a revoke-all), the access rule, and the rate-limit bucket.
 *
 * <p>What it never does: spend rate-limit quota or the failure budget (the bucket is read by a script that writes
 * nothing), put the token in the verification cache, or return the token or claim values other than those a check
 * compared (no subject, no token id, no signature, no raw claims).
 */
public final class TokenExplainer {

    /** Reading the markers only adds facts; the decision is the revocation checker's, with its own timeout. */
    private static final Duration REVOCATION_READ_TIMEOUT = Duration.ofSeconds(1);

    private final RouteLocator routes;
    private final RoutePolicies policies;
    private final JwtAccessTokenVerifier verifier;
    private final RevocationChecker revocation;
    private final RedisConnections redis;
    private final RateLimitGlobalFilter rateLimits;
    private final LeasingRateLimiter limiter;

    public TokenExplainer(RouteLocator routes, RoutePolicies policies, JwtAccessTokenVerifier verifier,
                          RevocationChecker revocation, RedisConnections redis, RateLimitGlobalFilter rateLimits,
                          LeasingRateLimiter limiter) {
        this.routes = routes;
        this.policies = policies;
        this.verifier = verifier;
        this.revocation = revocation;
        this.redis = redis;
        this.rateLimits = rateLimits;
        this.limiter = limiter;
    }

    /**
     * @param method already validated as a method name
     * @param uri    the path (and query) as the client would send it
     */
    public Mono<Explanation> explain(HttpMethod method, URI uri, String token, Map<String, String> headers) {
        Map<String, String> requestHeaders = new LinkedHashMap<>();
        headers.forEach((name, value) -> {
            // the token to explain is the body's; an Authorization header in "headers" would be a second one
            if (!HttpHeaders.AUTHORIZATION.equalsIgnoreCase(name)) {
                requestHeaders.put(name, value);
            }
        });
        if (token != null) {
            requestHeaders.put(HttpHeaders.AUTHORIZATION, "Bearer " + token);
        }
        ServerWebExchange exchange = SyntheticExchange.of(method, uri, requestHeaders);
        Trace trace = new Trace();
        String pathProblem = PathNormalizationWebFilter.problemWith(exchange.getRequest().getPath().value(),
                exchange.getRequest().getPath().pathWithinApplication());
        if (pathProblem != null) {
            return Mono.just(trace.refuse(null, "path", Rejection.of(RejectionReason.BAD_PATH, pathProblem), Map.of()));
        }
        trace.passed("path");
        return matchRoute(exchange).map(Optional::of).defaultIfEmpty(Optional.empty()).flatMap(found -> {
            if (found.isEmpty()) {
                return Mono.just(trace.refuse(null, "route",
                        Rejection.of(RejectionReason.NO_ROUTE, "No route matches this path"), Map.of()));
            }
            Route route = found.get();
            trace.step("route", null, Map.of("route", route.getId()));
            return explainOnRoute(exchange, route, method, trace);
        });
    }

    /** The first route whose predicate matches, in the locator's order, as the gateway's handler mapping finds it. */
    private Mono<Route> matchRoute(ServerWebExchange exchange) {
        return routes.getRoutes().concatMap(route -> {
            exchange.getAttributes().put(ServerWebExchangeUtils.GATEWAY_PREDICATE_ROUTE_ATTR, route.getId());
            return Mono.from(route.getPredicate().apply(exchange))
                    .onErrorReturn(false) // the handler mapping skips a route whose predicate fails, so do we
                    .filter(Boolean::booleanValue).map(matched -> route);
        }).next();
    }

    private Mono<Explanation> explainOnRoute(ServerWebExchange exchange, Route route, HttpMethod method, Trace trace) {
        String routeId = route.getId();
        exchange.getAttributes().put(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR, route);
        RoutePolicy policy = policies.forRoute(route);
        if (policy.unavailable()) {
            return Mono.just(trace.refuse(routeId, "route_policy", RouteMethodsGlobalFilter.policyUnavailable(), Map.of()));
        }
        if (!policy.allows(method)) {
            return Mono.just(trace.refuse(routeId, "method", RouteMethodsGlobalFilter.methodNotAllowed(policy),
                    Map.of("allowed", policy.allowHeader()), Map.of(HttpHeaders.ALLOW, policy.allowHeader())));
        }
        trace.passed("method");
        AccessRule rule = policy.ruleFor(method);
        trace.step("rule", null, ruleFacts(policy, rule));
        if (rule.publicAccess()) {
            // per client IP, and the explained request has no client: nothing to read without guessing
            trace.skip("bearer", Map.of("why", "the rule is public: no token is checked"));
            trace.skip("rate_limit", Map.of("why", "public routes are limited per client IP, which an explained request has not"));
            return Mono.just(trace.allow(routeId));
        }
        return switch (BearerToken.from(exchange.getRequest())) {
            case BearerToken.Absent absent -> Mono.just(trace.refuse(routeId, "bearer",
                    Rejection.of(RejectionReason.MISSING, "This route requires a bearer access token"), Map.of()));
            case BearerToken.Refused refused -> Mono.just(trace.refuse(routeId, "bearer", refused.rejection(), Map.of()));
            case BearerToken.Present present -> {
                trace.passed("bearer");
                // explaining spends nothing: the client's IP may still have spent its budget (429 too_many_invalid_tokens)
                trace.skip("failure_budget", Map.of("why", "explain spends no failure budget; a client whose IP spent "
                        + "its budget gets 429 too_many_invalid_tokens before any check"));
                yield verifier.explain(present.value(), trace).flatMap(verification -> switch (verification) {
                    case Verification.Rejected rejected -> Mono.just(trace.decide(routeId, rejected.rejection(), Map.of()));
                    case Verification.Verified verified -> afterVerification(routeId, policy, rule, verified.token(), trace);
                });
            }
        };
    }

    private Mono<Explanation> afterVerification(String routeId, RoutePolicy policy, AccessRule rule, VerifiedToken token,
                                                Trace trace) {
        Map<String, Object> issuerFacts = Map.of("issuer", token.issuer(), "accepted",
                policy.issuers().isEmpty() ? List.of("any") : new TreeSet<>(policy.issuers()).stream().toList());
        if (!policy.accepts(token.issuer())) {
            return Mono.just(trace.refuse(routeId, "route_issuers", Rejection.of(RejectionReason.ISSUER_NOT_ACCEPTED,
                    "This route does not accept tokens of this issuer"), issuerFacts));
        }
        trace.step("route_issuers", null, issuerFacts);
        return Mono.zip(revocation.check(token), markers(token)).flatMap(result -> {
            RevocationStatus status = result.getT1();
            Map<String, Object> facts = revocationFacts(token, status, result.getT2());
            switch (status) {
                case REVOKED_TOKEN -> {
                    return Mono.just(trace.refuse(routeId, "revocation",
                            Rejection.of(RejectionReason.REVOKED, "The access token has been revoked"), facts));
                }
                case REVOKED_SUBJECT -> {
                    return Mono.just(trace.refuse(routeId, "revocation", Rejection.of(RejectionReason.REVOKED,
                            "The access token was revoked by a sign-out of all sessions"), facts));
                }
                case UNKNOWN -> {
                    if (!policy.revocationFailOpen()) {
                        return Mono.just(trace.refuse(routeId, "revocation", Rejection.retryable(
                                RejectionReason.REVOCATION_UNAVAILABLE, "Token revocation cannot be checked right now",
                                revocation.retryAfterUnknown()), facts));
                    }
                    facts.put("fail_open", true);
                    trace.step("revocation", null, facts);
                }
                case ACTIVE -> trace.step("revocation", null, facts);
            }
            Rejection denied = rule.check(token);
            Map<String, Object> policyFacts = policyFacts(rule, token);
            if (denied != null) {
                return Mono.just(trace.refuse(routeId, "policy", denied, policyFacts));
            }
            trace.step("policy", null, policyFacts);
            return rateLimit(routeId, policy, token, trace);
        });
    }

    /** The revocation markers as Redis holds them now; empty values when Redis does not answer. */
    private Mono<Map<String, Optional<String>>> markers(VerifiedToken token) {
        String jtiKey = token.revokedTokenKey();
        String subjectKey = token.revokedSubjectKey();
        Flux<KeyValue<String, String>> values = jtiKey == null ? redis.reactive().mget(subjectKey)
                : redis.reactive().mget(jtiKey, subjectKey);
        return values.collectMap(KeyValue::getKey, found -> Optional.ofNullable(found.getValueOrElse(null)))
                .timeout(REVOCATION_READ_TIMEOUT)
                .onErrorReturn(Map.of());
    }

    private static Map<String, Object> revocationFacts(VerifiedToken token, RevocationStatus status,
                                                       Map<String, Optional<String>> markers) {
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("status", status.name().toLowerCase(java.util.Locale.ROOT));
        if (markers.isEmpty()) {
            facts.put("redis", "unreadable");
            return facts;
        }
        facts.put("token_id", token.revokedTokenKey() == null ? "absent (the issuer's tokens carry none)" : "present");
        if (token.revokedTokenKey() != null) {
            facts.put("token_revoked", markers.getOrDefault(token.revokedTokenKey(), Optional.empty()).isPresent());
        }
        facts.put("issued_at", Instant.ofEpochSecond(token.issuedAtEpochSecond()).toString());
        Optional<String> revokeAll = markers.getOrDefault(token.revokedSubjectKey(), Optional.empty());
        if (revokeAll.isPresent()) {
            try {
                long revokedAt = Long.parseLong(revokeAll.get().trim());
                facts.put("subject_revoked_at", Instant.ofEpochMilli(revokedAt).toString());
                facts.put("issued_before_revoke_all",
                        RevocationKeys.issuedBeforeRevokeAll(token.issuedAtEpochSecond(), revokedAt));
            } catch (NumberFormatException e) {
                facts.put("subject_revoked_at", "unreadable marker (refused)");
            }
        } else {
            facts.put("subject_revoked_at", null);
        }
        return facts;
    }

    private static Map<String, Object> ruleFacts(RoutePolicy policy, AccessRule rule) {
        Map<String, Object> facts = new LinkedHashMap<>();
        int index = policy.methodRules().indexOf(rule);
        facts.put("rule", index >= 0 ? "access[" + index + "]" : "route");
        facts.put("methods", rule.methods().isEmpty() ? List.of("any")
                : rule.methods().stream().map(HttpMethod::name).sorted().toList());
        facts.put("public", rule.publicAccess());
        return facts;
    }

    /**
     * What the rule requires and, of that, what the token lacks: the values the rule compared, never the token's
     * other roles, permissions or scopes.
     */
    private static Map<String, Object> policyFacts(AccessRule rule, VerifiedToken token) {
        Map<String, Object> facts = new LinkedHashMap<>();
        if (!rule.roles().isEmpty()) {
            facts.put("roles_any_of", sorted(rule.roles()));
            facts.put("role_present", rule.roles().stream().anyMatch(token.roles()::contains));
        }
        if (!rule.permissions().isEmpty()) {
            facts.put("permissions", sorted(rule.permissions()));
            facts.put("missing_permissions", missing(rule.permissions(), token.permissions()));
        }
        if (!rule.anyPermissions().isEmpty()) {
            facts.put("permissions_any_of", sorted(rule.anyPermissions()));
            facts.put("any_permission_present", rule.anyPermissions().stream().anyMatch(token.permissions()::contains));
        }
        if (!rule.scopes().isEmpty()) {
            facts.put("scopes", sorted(rule.scopes()));
            facts.put("missing_scopes", missing(rule.scopes(), token.scopes()));
        }
        if (rule.mfa()) {
            facts.put("mfa_required", true);
            facts.put("mfa_present", token.hasMfa());
        }
        if (facts.isEmpty()) {
            facts.put("requires", "a valid token, nothing more");
        }
        return facts;
    }

    private static List<String> sorted(Set<String> values) {
        return values.stream().sorted().toList();
    }

    private static List<String> missing(Set<String> required, Set<String> present) {
        return required.stream().filter(value -> !present.contains(value)).sorted().toList();
    }

    /** Reads the bucket the request would spend from, without spending. */
    private Mono<Explanation> rateLimit(String routeId, RoutePolicy policy, VerifiedToken token, Trace trace) {
        if (!rateLimits.applies(policy)) {
            trace.skip("rate_limit", Map.of("why", "rate limiting is off for this route"));
            return Mono.just(trace.allow(routeId));
        }
        RateLimit limit = rateLimits.limitFor(policy, token);
        return limiter.peek(RateLimitGlobalFilter.party(policy, token, null), limit).map(state -> {
            Map<String, Object> facts = rateLimitFacts(limit, state);
            if (!state.nextRequestAllowed()) {
                return trace.refuse(routeId, "rate_limit", RateLimitGlobalFilter.exceeded(limit, state.refusalRetryAfter()),
                        facts);
            }
            trace.step("rate_limit", null, facts);
            return trace.allow(routeId);
        });
    }

    private static Map<String, Object> rateLimitFacts(RateLimit limit, RateLimitState state) {
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("bucket", "per user on this route");
        facts.put("limit", limit.requests() + " per " + limit.period());
        facts.put("burst", state.burst());
        facts.put("shared_remaining", state.sharedAvailable() < 0 ? "unknown (Redis did not answer; requests pass)"
                : state.sharedAvailable());
        facts.put("shared_full_in_ms", state.resetAfter().toMillis());
        facts.put("lease_size", state.leaseSize());
        facts.put("leased_on_this_instance", state.leased());
        if (!state.deniedFor().isZero()) {
            facts.put("denied_on_this_instance_for_ms", state.deniedFor().toMillis());
        }
        facts.put("quota_spent_by_explain", 0);
        return facts;
    }

    /** The checks gathered so far: the verifier's (through {@link VerificationTrace}) and this class's. */
    private static final class Trace implements VerificationTrace {

        private final List<Check> checks = new ArrayList<>();

        @Override
        public void step(String check, Rejection failure, Map<String, Object> facts) {
            checks.add(failure == null
                    ? new Check(check, "pass", null, null, facts)
                    : new Check(check, "fail", failure.reason().tag(), failure.detail(), facts));
        }

        void skip(String check, Map<String, Object> facts) {
            checks.add(new Check(check, "skip", null, null, facts));
        }

        Explanation refuse(String route, String check, Rejection rejection, Map<String, Object> facts) {
            return refuse(route, check, rejection, facts, Map.of());
        }

        Explanation refuse(String route, String check, Rejection rejection, Map<String, Object> facts,
                           Map<String, String> extraHeaders) {
            step(check, rejection, facts);
            return decide(route, rejection, extraHeaders);
        }

        /** The refusal the client gets; its check is already in the list (the verifier reported it). */
        Explanation decide(String route, Rejection rejection, Map<String, String> extraHeaders) {
            RejectionReason reason = rejection.reason();
            Map<String, String> headers = new LinkedHashMap<>(extraHeaders);
            String challenge = ProblemWriter.challenge(rejection);
            if (challenge != null) {
                headers.put(HttpHeaders.WWW_AUTHENTICATE, challenge);
            }
            String retryAfter = ProblemWriter.retryAfter(rejection);
            if (retryAfter != null) {
                headers.put(HttpHeaders.RETRY_AFTER, retryAfter);
            }
            Map<String, Object> problem = new LinkedHashMap<>();
            problem.put("type", reason.problemType().toString());
            problem.put("title", reason.title());
            problem.put("status", reason.status().value());
            problem.put("detail", rejection.detail());
            problem.put("reason", reason.tag());
            return new Explanation(route, List.copyOf(checks),
                    new Decision("refuse", reason.status().value(), reason.tag(), headers, problem));
        }

        Explanation allow(String route) {
            return new Explanation(route, List.copyOf(checks), new Decision("allow", 0, null, Map.of(), null));
        }
    }
}
