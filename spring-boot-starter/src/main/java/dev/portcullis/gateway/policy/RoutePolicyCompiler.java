package dev.portcullis.gateway.policy;

import dev.portcullis.gateway.web.RequestMethods;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.http.HttpMethod;

/**
 * Compiles bound policy metadata into the {@link RoutePolicy} a route is served with, validating on the way what the
 * binder cannot: a method that is not an HTTP token (or is {@code TRACE} / {@code CONNECT}, never served), an issuer or
 * identity key that is not configured, a public rule that also asks for permissions, a limit that is not positive.
 * Each is an {@link InvalidPolicyException} naming the exact property.
 */
final class RoutePolicyCompiler {

    /** The metadata key under which a route's policy lives. */
    static final String POLICY_KEY = "policy";
    /** The metadata key of a route's dry-run policy: same keys, evaluated and compared, never enforced. */
    static final String SHADOW_POLICY_KEY = "shadow-policy";

    private RoutePolicyCompiler() {
    }

    /**
     * The live policy of a route's metadata, with its shadow policy when it has one: both compiled and validated the
     * same way, so an invalid shadow policy fails start-up, or rejects a reload, exactly like an invalid live one.
     */
    static RoutePolicy compileMetadata(String routeId, Map<String, Object> metadata, String metadataKey,
                                               RoutePolicies.Context context) {
        Object live = metadata.get(POLICY_KEY);
        RoutePolicy policy = live == null ? RoutePolicy.authenticated(routeId)
                : compile(routeId, RoutePolicyBinder.bind(metadataKey, POLICY_KEY, live), metadataKey + "." + POLICY_KEY, context);
        Object shadow = metadata.get(SHADOW_POLICY_KEY);
        if (shadow == null) {
            return policy;
        }
        String shadowKey = metadataKey + "." + SHADOW_POLICY_KEY;
        return policy.withShadow(compile(routeId, RoutePolicyBinder.bind(metadataKey, SHADOW_POLICY_KEY, shadow), shadowKey, context));
    }

    static RoutePolicy compile(String routeId, PolicyProperties p, String prefix, RoutePolicies.Context context) {
        AccessRule defaultRule = rule(prefix, List.of(), p.publicAccess(), p.roles(), p.permissions(), p.anyPermissions(),
                p.scopes(), p.mfa(), p.acr(), p.maxAge());
        List<AccessRule> methodRules = new ArrayList<>();
        for (int i = 0; i < p.access().size(); i++) {
            PolicyProperties.Rule r = p.access().get(i);
            String key = prefix + ".access[" + i + "]";
            if (r.methods().isEmpty()) {
                throw new InvalidPolicyException(key + ".methods", "a rule in 'access' must name the methods it is for");
            }
            methodRules.add(rule(key, r.methods(), r.publicAccess(), r.roles(), r.permissions(), r.anyPermissions(),
                    r.scopes(), r.mfa(), r.acr(), r.maxAge()));
        }
        if (p.unlistedMethods() != null && methodRules.isEmpty()) {
            throw new InvalidPolicyException(prefix + ".unlisted-methods",
                    "only applies to a route with 'access' rules (without them, the route-level rule decides every method)");
        }
        UnlistedMethods unlisted = p.unlistedMethods() != null ? p.unlistedMethods() : UnlistedMethods.REFUSE;
        RateLimit rateLimit = null;
        boolean rateLimitEnabled = true;
        if (p.rateLimit() != null) {
            PolicyProperties.RateLimitProperties rl = p.rateLimit();
            rateLimitEnabled = rl.enabled();
            if (rl.enabled() && (rl.requests() != null || rl.period() != null)) {
                if (rl.requests() == null || rl.requests() <= 0) {
                    throw new InvalidPolicyException(prefix + ".rate-limit.requests", "must be a positive number");
                }
                if (rl.period() == null || rl.period().isNegative() || rl.period().isZero()) {
                    throw new InvalidPolicyException(prefix + ".rate-limit.period", "must be a positive duration such as 1m");
                }
                if (rl.burst() != null && rl.burst() <= 0) {
                    throw new InvalidPolicyException(prefix + ".rate-limit.burst", "must be a positive number");
                }
                rateLimit = new RateLimit(rl.requests(), rl.period(), rl.burst() == null ? 0 : rl.burst());
            }
        }
        if (p.retries() != null && (p.retries() < 0 || p.retries() > 5)) {
            throw new InvalidPolicyException(prefix + ".retries", "must be between 0 and 5");
        }
        if (p.identityKey() != null && !p.identityKey().matches("[a-z0-9][a-z0-9-]{0,62}")) {
            throw new InvalidPolicyException(prefix + ".identity-key",
                    "'" + p.identityKey() + "' is not a key name (lower-case letters, digits and dashes)");
        }
        boolean anyName = context == RoutePolicies.Context.ANY;
        if (p.identityKey() != null && !anyName && !context.identityKeys().contains(p.identityKey())) {
            throw new InvalidPolicyException(prefix + ".identity-key", "route '" + routeId + "' signs identity with the key '"
                    + p.identityKey() + "', but portcullis.identity.signing.keys." + p.identityKey()
                    + " is not set (base64 of at least 32 random bytes, shared with that route's service)");
        }
        for (int i = 0; i < p.issuers().size(); i++) {
            String issuer = p.issuers().get(i);
            if (issuer == null || issuer.isBlank() || (!anyName && !context.issuers().contains(issuer))) {
                throw new InvalidPolicyException(prefix + ".issuers[" + i + "]", "'" + issuer
                        + "' is not a trusted issuer; configured: " + context.issuers());
            }
        }
        if (!p.issuers().isEmpty() && defaultRule.publicAccess() && methodRules.isEmpty()) {
            throw new InvalidPolicyException(prefix + ".issuers", "a public route checks no token, so no issuer");
        }
        return new RoutePolicy(routeId, List.copyOf(methodRules), defaultRule, unlisted, p.forwardAuthorization(),
                p.revocationFailOpen(), rateLimit, rateLimitEnabled, p.retries(), p.identityKey(), Set.copyOf(p.issuers()),
                false, null, new DpopRoutePolicy(p.dpop() == DpopRoutePolicy.Requirement.REQUIRED, p.forwardDpopProof()));
    }

    private static AccessRule rule(String key, List<String> methods, boolean publicAccess, List<String> roles,
                                   List<String> permissions, List<String> anyPermissions, List<String> scopes, boolean mfa,
                                   List<String> acr, Duration maxAge) {
        Set<HttpMethod> parsed = new LinkedHashSet<>();
        for (int i = 0; i < methods.size(); i++) {
            // verbatim: methods are case-sensitive, and upper-casing 'get' would protect GET with a rule meant for 'get'
            String method = methods.get(i).trim();
            if (!RequestMethods.isToken(method)) {
                throw new InvalidPolicyException(key + ".methods[" + i + "]", "'" + methods.get(i) + "' is not an HTTP method");
            }
            if (RequestMethods.NEVER_SERVED.contains(method)) {
                throw new InvalidPolicyException(key + ".methods[" + i + "]",
                        "'" + method + "' is never served: the gateway refuses TRACE and CONNECT on every route");
            }
            parsed.add(HttpMethod.valueOf(method));
        }
        if (publicAccess && (!roles.isEmpty() || !permissions.isEmpty() || !anyPermissions.isEmpty() || !scopes.isEmpty() || mfa
                || !acr.isEmpty() || maxAge != null)) {
            throw new InvalidPolicyException(key + ".public", "a public rule cannot also require roles, permissions, scopes, "
                    + "mfa, acr or max-age (public means no token is checked)");
        }
        checkNames(key + ".roles", roles);
        checkNames(key + ".permissions", permissions);
        checkNames(key + ".any-permissions", anyPermissions);
        checkNames(key + ".scopes", scopes);
        // acr values go verbatim into the RFC 9470 challenge's quoted, space-separated acr_values
        for (int i = 0; i < acr.size(); i++) {
            String value = acr.get(i);
            if (value == null || value.isBlank() || !value.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != '"' && c != '\\')) {
                throw new InvalidPolicyException(key + ".acr[" + i + "]", "'" + value + "' is not a valid acr value");
            }
        }
        if (maxAge != null && (maxAge.isNegative() || maxAge.toSeconds() < 1)) {
            throw new InvalidPolicyException(key + ".max-age", "must be a duration of at least one second such as 5m");
        }
        return new AccessRule(Collections.unmodifiableSet(parsed), publicAccess, Set.copyOf(roles), Set.copyOf(permissions),
                Set.copyOf(anyPermissions), Set.copyOf(scopes), mfa, Set.copyOf(acr), maxAge);
    }

    private static void checkNames(String key, List<String> names) {
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            if (name == null || name.isBlank() || !name.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != ',')) {
                throw new InvalidPolicyException(key + "[" + i + "]", "'" + name + "' is not a valid name");
            }
        }
    }
}
