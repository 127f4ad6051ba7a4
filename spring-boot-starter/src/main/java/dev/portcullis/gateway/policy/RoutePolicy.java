package dev.portcullis.gateway.policy;

import dev.portcullis.gateway.web.EdgeAttributes;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpMethod;
import org.springframework.web.server.ServerWebExchange;

/**
 * Everything the edge enforces for one route, compiled once at start-up from the route's {@code metadata.policy}.
 *
 * @param methodRules          rules for particular methods, tried in order before {@code defaultRule}
 * @param defaultRule          the rule for methods no method rule names (when {@code unlistedMethods} lets them in, or
 *                             when there are no method rules); authenticated unless the route says otherwise
 * @param unlistedMethods      what a method no method rule names gets; only meaningful with method rules
 * @param forwardAuthorization whether the {@code Authorization} header goes on upstream
 * @param revocationFailOpen   whether requests are let through when revocation cannot be checked (opt-in, per route)
 * @param rateLimit            the route's limit, or null for the global default of its kind (public / authenticated)
 * @param rateLimitEnabled     false turns rate limiting off for the route
 * @param retries              retries of idempotent requests when the upstream cannot be reached, or null for the default
 * @param identityKey          the name of the key ({@code portcullis.identity.signing.keys.<name>}) the identity forwarded
 *                             to this route's upstream is signed with, or null for no signature
 * @param issuers              the ids of the trusted issuers whose tokens this route accepts; empty: any of them
 * @param unavailable          true for a route whose policy could not be compiled and that has no previous one: every
 *                             request is refused with 503 until a valid policy is loaded
 * @param shadow               the route's {@code shadow-policy}: evaluated on every request, compared with this one,
 *                             never enforced; null when the route has none
 * @param dpop                 the route's DPoP rules ({@code dpop}, {@code forward-dpop-proof})
 */
public record RoutePolicy(
        String routeId,
        List<AccessRule> methodRules,
        AccessRule defaultRule,
        UnlistedMethods unlistedMethods,
        boolean forwardAuthorization,
        boolean revocationFailOpen,
        @Nullable RateLimit rateLimit,
        boolean rateLimitEnabled,
        @Nullable Integer retries,
        @Nullable String identityKey,
        Set<String> issuers,
        boolean unavailable,
        @Nullable RoutePolicy shadow,
        DpopRoutePolicy dpop) {

    /**
     * The policy of the route this exchange matched, as {@link RoutePolicyGlobalFilter} resolved it before every
     * filter that reads it (the global filters after it, the header filters of the routing filter).
     *
     * @throws IllegalStateException when no policy was resolved: fail closed (a 500), never an unchecked request
     */
    public static RoutePolicy of(ServerWebExchange exchange) {
        RoutePolicy policy = exchange.getAttribute(EdgeAttributes.POLICY);
        if (policy == null) {
            throw new IllegalStateException("no route policy was resolved for this exchange (RoutePolicyGlobalFilter)");
        }
        return policy;
    }

    public static RoutePolicy authenticated(String routeId) {
        return new RoutePolicy(routeId, List.of(), AccessRule.AUTHENTICATED, UnlistedMethods.REFUSE, true, false, null, true,
                null, null, Set.of(), false, null, DpopRoutePolicy.DEFAULT);
    }

    /** A route refused as a whole: its policy is invalid and there is no earlier one to keep. */
    static RoutePolicy unavailable(String routeId) {
        return new RoutePolicy(routeId, List.of(), AccessRule.AUTHENTICATED, UnlistedMethods.REFUSE, false, false, null, true,
                null, null, Set.of(), true, null, DpopRoutePolicy.DEFAULT);
    }

    /** This policy with {@code shadowPolicy} evaluated next to it. */
    RoutePolicy withShadow(RoutePolicy shadowPolicy) {
        return new RoutePolicy(routeId, methodRules, defaultRule, unlistedMethods, forwardAuthorization, revocationFailOpen,
                rateLimit, rateLimitEnabled, retries, identityKey, issuers, unavailable, shadowPolicy, dpop);
    }

    /** Whether a token of this issuer may call the route. */
    public boolean accepts(String issuerId) {
        return issuers.isEmpty() || issuers.contains(issuerId);
    }

    /** Whether the route serves {@code method} at all: false answers 405 before any token is looked at. */
    public boolean allows(HttpMethod method) {
        if (methodRules.isEmpty() || unlistedMethods == UnlistedMethods.ROUTE_RULE) {
            return true;
        }
        for (AccessRule rule : methodRules) {
            if (rule.appliesTo(method)) {
                return true;
            }
        }
        return false;
    }

    /** The methods the method rules name, in the order written: the {@code Allow} header of this route's 405. */
    public String allowHeader() {
        Set<String> names = new LinkedHashSet<>();
        for (AccessRule rule : methodRules) {
            rule.methods().forEach(method -> names.add(method.name()));
        }
        return String.join(", ", names);
    }

    public AccessRule ruleFor(HttpMethod method) {
        for (AccessRule rule : methodRules) {
            if (rule.appliesTo(method)) {
                return rule;
            }
        }
        return defaultRule;
    }
}
