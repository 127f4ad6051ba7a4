package dev.portcullis.gateway.policy;

import dev.portcullis.gateway.dpop.DpopRoutePolicy;
import dev.portcullis.gateway.web.EdgeAttributes;
import dev.portcullis.gateway.web.RequestMethods;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.handler.predicate.PredicateDefinition;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteDefinition;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.http.HttpMethod;
import org.springframework.web.server.ServerWebExchange;

/**
 * The compiled policy of every route, looked up on each request. Compiled and validated before it is used: a typo in
 * a key, a method that is not an HTTP token (or is {@code TRACE} / {@code CONNECT}, which are never served), an
 * issuer or identity key that is not configured, or a public rule that also asks for permissions is reported with a
 * message naming the exact property, instead of silently protecting less than the team meant. Methods are
 * case-sensitive (RFC 9110): {@code get} in a rule is the method {@code get}, not {@code GET}.
 *
 * <p>At start-up an invalid policy stops the gateway. After a reload of the routes (Spring Cloud Gateway's
 * {@code RefreshRoutesEvent}, whether from a changed configuration file, a Kubernetes ConfigMap, {@code
 * /actuator/refresh} or a route locator of the application's own), every route's policy is compiled again from the
 * route's metadata, YAML and Java-DSL routes alike, and the new set replaces the old one only when all of it is valid.
 * An invalid change is rejected as a whole: logged with the property path, counted in
 * {@code portcullis.policies.reloads{outcome=rejected}}, and the previous policies keep serving. A route that the
 * rejected change added (so has no previous policy) is refused with 503 until a valid policy arrives: fail closed, as
 * its intended rule is unknown.
 *
 * <p>A route's {@code metadata.shadow-policy} (same keys) is compiled and validated with its live policy, at start-up
 * and on every reload, and carried as {@link RoutePolicy#shadow()}: an invalid one fails start-up or rejects the
 * reload exactly like an invalid live policy.
 */
public final class RoutePolicies {

    private static final Logger log = LoggerFactory.getLogger(RoutePolicies.class);
    static final String ROUTES = GatewayProperties.PREFIX + ".routes";
    /** The metadata key under which a route's policy lives. */
    static final String POLICY_KEY = "policy";
    /** The metadata key of a route's dry-run policy: same keys, evaluated and compared, never enforced. */
    static final String SHADOW_POLICY_KEY = "shadow-policy";
    /** Spring Cloud Gateway's method route predicate. */
    private static final String METHOD_PREDICATE = "Method";

    /** What a policy may name: the configured issuers and identity signing keys. */
    public record Context(Set<String> issuers, Set<String> identityKeys) {
        public Context {
            issuers = Set.copyOf(issuers);
            identityKeys = Set.copyOf(identityKeys);
        }

        /** Any issuer and identity key name is taken (unit tests of the policy language). */
        static final Context ANY = new Context(Set.of(), Set.of());
    }

    /**
     * One route's compiled policy and the route it was compiled for, compared by identity on each request (Spring
     * Cloud Gateway keeps its {@code Route} objects until the next refresh); null for policies compiled from the YAML
     * definitions at start-up, before any route was built.
     */
    private record Entry(Route route, RoutePolicy policy) {
    }

    private final Context context;
    private volatile Map<String, Entry> byRouteId;
    private volatile Set<String> listedMethods;
    private final Counter applied;
    private final Counter rejected;

    private RoutePolicies(Map<String, Entry> byRouteId, Set<String> listedMethods, Context context, MeterRegistry meters) {
        this.byRouteId = Map.copyOf(byRouteId);
        this.listedMethods = Set.copyOf(listedMethods);
        this.context = context;
        this.applied = Counter.builder("portcullis.policies.reloads").tag("outcome", "applied")
                .description("Route policy reloads, by outcome").register(meters);
        this.rejected = Counter.builder("portcullis.policies.reloads").tag("outcome", "rejected")
                .description("Route policy reloads, by outcome").register(meters);
    }

    /**
     * Every method some route names, in a {@code Method} predicate or an {@code access} rule: with the standard ones,
     * the methods the gateway knows at all ({@link RequestMethods}). Read once at start-up.
     */
    public Set<String> listedMethods() {
        return listedMethods;
    }

    /**
     * The policy of the route the exchange matched, resolved once per request: the first filter that asks (the method
     * check, before authentication) stores it under {@link EdgeAttributes#POLICY}, where every later filter reads it.
     */
    public RoutePolicy forExchange(ServerWebExchange exchange) {
        RoutePolicy policy = exchange.getAttribute(EdgeAttributes.POLICY);
        if (policy == null) {
            Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
            policy = route != null ? forRoute(route) : RoutePolicy.authenticated("");
            exchange.getAttributes().put(EdgeAttributes.POLICY, policy);
        }
        return policy;
    }

    /** The policy of a route as it is served now. */
    public RoutePolicy forRoute(Route route) {
        Entry entry = byRouteId.get(route.getId());
        if (entry != null && entry.route() == route) {
            return entry.policy();
        }
        return adopt(route, entry);
    }

    /**
     * A route that is not the one its policy was compiled for: the first request after start-up (the policies were
     * compiled from the YAML definitions, before the routes were built), a route of the application's own locator, or
     * the moment between Spring Cloud Gateway swapping its routes and the reload event. Compiled here once; the result
     * is kept with the route, so the next request takes the fast path.
     */
    private synchronized RoutePolicy adopt(Route route, Entry previous) {
        Entry entry = byRouteId.get(route.getId());
        if (entry != null && entry.route() == route) {
            return entry.policy();
        }
        RoutePolicy policy;
        try {
            policy = compileRoute(route, "route '" + route.getId() + "' metadata");
        } catch (InvalidPolicyException e) {
            // A change not yet reported by the reload event: the previous policy keeps serving; a new route is refused.
            return previous != null ? previous.policy() : RoutePolicy.unavailable(route.getId());
        }
        if (entry != null && !entry.policy().equals(policy)) {
            // A newer policy than the one installed: the reload event will report and install the whole set.
            return policy;
        }
        Map<String, Entry> next = new HashMap<>(byRouteId);
        next.put(route.getId(), new Entry(route, policy));
        byRouteId = Map.copyOf(next);
        return policy;
    }

    /** The policy compiled for a route id (diagnostics and tests); routes without one are authenticated. */
    public RoutePolicy forRoute(String routeId) {
        Entry entry = byRouteId.get(routeId);
        return entry != null ? entry.policy() : RoutePolicy.authenticated(routeId);
    }

    /**
     * Compiles the policy of every route from the metadata Spring Cloud Gateway bound for it: the same route
     * definitions the gateway routes with, so a policy can never be read from another route's configuration.
     *
     * @throws InvalidPolicyException naming the property, so that the gateway does not start
     */
    public static RoutePolicies load(GatewayProperties gateway, Context context, MeterRegistry meters) {
        Map<String, Entry> policies = new HashMap<>();
        Set<String> listedMethods = new LinkedHashSet<>();
        List<RouteDefinition> routes = gateway.getRoutes();
        for (int i = 0; i < routes.size(); i++) {
            RouteDefinition route = routes.get(i);
            String routeKey = ROUTES + "[" + i + "]";
            if (route.getId() == null || route.getId().isBlank()) {
                throw new InvalidPolicyException(routeKey + ".id", "every route needs an id");
            }
            RoutePolicy policy = compileMetadata(route.getId(), route.getMetadata(), routeKey + ".metadata", context);
            if (policies.put(route.getId(), new Entry(null, policy)) != null) {
                throw new InvalidPolicyException(routeKey + ".id", "the route id '" + route.getId() + "' is used twice");
            }
            for (AccessRule rule : policy.methodRules()) {
                rule.methods().forEach(method -> listedMethods.add(method.name()));
            }
            listedMethods.addAll(predicateMethods(route, routeKey));
        }
        return new RoutePolicies(policies, listedMethods, context, meters);
    }

    /** {@link #load(GatewayProperties, Context, MeterRegistry)} without checking issuer and key names (unit tests). */
    static RoutePolicies load(GatewayProperties gateway) {
        return load(gateway, Context.ANY, new SimpleMeterRegistry());
    }

    /**
     * Compiles the policies of the routes as Spring Cloud Gateway now serves them and, when every one is valid,
     * replaces the current set with them.
     *
     * @param routes  every route served now, YAML and Java DSL
     * @param gateway the YAML definitions (rebound on a refresh), to name properties and read {@code Method} predicates
     * @return whether the new policies were applied
     */
    public synchronized boolean reload(List<Route> routes, GatewayProperties gateway) {
        Map<String, Integer> definitionIndex = new HashMap<>();
        List<RouteDefinition> definitions = gateway.getRoutes();
        for (int i = 0; i < definitions.size(); i++) {
            definitionIndex.putIfAbsent(definitions.get(i).getId(), i);
        }
        Map<String, Entry> next = new HashMap<>();
        Set<String> methods = new LinkedHashSet<>();
        try {
            for (Route route : routes) {
                Integer index = definitionIndex.get(route.getId());
                String routeKey = index != null ? ROUTES + "[" + index + "]" : "route '" + route.getId() + "'";
                RoutePolicy policy = compileRoute(route, routeKey + ".metadata");
                next.put(route.getId(), new Entry(route, policy));
                for (AccessRule rule : policy.methodRules()) {
                    rule.methods().forEach(method -> methods.add(method.name()));
                }
                if (index != null) {
                    methods.addAll(predicateMethods(definitions.get(index), routeKey));
                }
            }
        } catch (InvalidPolicyException e) {
            rejected.increment();
            log.error("event=policy_reload_rejected property={} reason=\"{}\" detail=\"the previous policies keep serving\"",
                    e.property(), e.reason());
            // Spring Cloud Gateway already serves the new routes: each keeps the policy its id had, and a route new in
            // the rejected change is refused (its intended rule is unknown) until a valid set arrives
            Map<String, Entry> kept = new HashMap<>(byRouteId);
            for (Route route : routes) {
                Entry previous = byRouteId.get(route.getId());
                kept.put(route.getId(), new Entry(route,
                        previous != null ? previous.policy() : RoutePolicy.unavailable(route.getId())));
            }
            byRouteId = Map.copyOf(kept);
            return false;
        }
        Map<String, Entry> previous = byRouteId;
        byRouteId = Map.copyOf(next);
        Set<String> unknownMethods = new LinkedHashSet<>(methods);
        unknownMethods.removeAll(listedMethods);
        unknownMethods.removeAll(RequestMethods.standard());
        if (!unknownMethods.isEmpty()) {
            log.warn("event=policy_reload_new_methods methods={} detail=\"methods outside the standard ones are known to the"
                    + " gateway after a restart; until then they are answered with 501\"", unknownMethods);
        }
        applied.increment();
        long changed = next.entrySet().stream()
                .filter(e -> previous.get(e.getKey()) == null || !previous.get(e.getKey()).policy().equals(e.getValue().policy()))
                .count() + previous.keySet().stream().filter(id -> !next.containsKey(id)).count();
        log.info("event=policy_reload_applied routes={} changed={}", next.size(), changed);
        return true;
    }

    /** The name a route's metadata is bound under: any route id, however spelt, binds as a valid property name. */
    private static final String NEUTRAL = "portcullis-route.metadata";

    /**
     * Compiles one served route's policy and shadow policy; any failure, whatever threw it, is an
     * {@link InvalidPolicyException} naming the property under {@code metadataKey}.
     */
    private RoutePolicy compileRoute(Route route, String metadataKey) {
        try {
            return compileMetadata(route.getId(), route.getMetadata(), NEUTRAL, context);
        } catch (InvalidPolicyException e) {
            String property = e.property().startsWith(NEUTRAL)
                    ? metadataKey + e.property().substring(NEUTRAL.length()) : metadataKey;
            throw new InvalidPolicyException(property, e.reason());
        } catch (RuntimeException e) {
            Throwable cause = e;
            while (cause.getCause() != null) {
                cause = cause.getCause();
            }
            throw new InvalidPolicyException(metadataKey, String.valueOf(cause.getMessage()).replace(NEUTRAL, metadataKey));
        }
    }

    /**
     * The live policy of a route's metadata, with its shadow policy when it has one: both compiled and validated the
     * same way, so an invalid shadow policy fails start-up, or rejects a reload, exactly like an invalid live one.
     */
    private static RoutePolicy compileMetadata(String routeId, Map<String, Object> metadata, String metadataKey,
                                               Context context) {
        Object live = metadata.get(POLICY_KEY);
        RoutePolicy policy = live == null ? RoutePolicy.authenticated(routeId)
                : compile(routeId, bind(metadataKey, POLICY_KEY, live), metadataKey + "." + POLICY_KEY, context);
        Object shadow = metadata.get(SHADOW_POLICY_KEY);
        if (shadow == null) {
            return policy;
        }
        String shadowKey = metadataKey + "." + SHADOW_POLICY_KEY;
        return policy.withShadow(compile(routeId, bind(metadataKey, SHADOW_POLICY_KEY, shadow), shadowKey, context));
    }

    /** The methods of the route's {@code Method} predicates, as written. */
    private static List<String> predicateMethods(RouteDefinition route, String routeKey) {
        List<String> methods = new ArrayList<>();
        for (int i = 0; i < route.getPredicates().size(); i++) {
            PredicateDefinition predicate = route.getPredicates().get(i);
            if (!METHOD_PREDICATE.equals(predicate.getName())) {
                continue;
            }
            for (String value : predicate.getArgs().values()) {
                for (String method : value.split(",")) {
                    String name = method.trim();
                    if (!RequestMethods.isToken(name) || RequestMethods.NEVER_SERVED.contains(name)) {
                        throw new InvalidPolicyException(routeKey + ".predicates[" + i + "]",
                                "'" + name + "' is not a method the gateway can serve");
                    }
                    methods.add(name);
                }
            }
        }
        return methods;
    }

    /** Binds the policy metadata with the configuration binder, keys named as the operator wrote them. */
    private static PolicyProperties bind(String metadataKey, String name, Object policyMetadata) {
        Map<String, Object> flat = new LinkedHashMap<>();
        String prefix = metadataKey + "." + name;
        flatten(prefix, policyMetadata, flat);
        rejectUnknownKeys(flat.keySet(), prefix);
        Binder binder = new Binder(new MapConfigurationPropertySource(flat));
        return binder.bind(prefix, Bindable.of(PolicyProperties.class))
                .orElseGet(() -> binder.bindOrCreate(prefix, Bindable.of(PolicyProperties.class)));
    }

    /** Turns nested maps and lists (as bound into route metadata) into flat property names. */
    private static void flatten(String key, Object value, Map<String, Object> out) {
        if (value instanceof Map<?, ?> map) {
            if (map.isEmpty()) {
                out.put(key, "");
            }
            map.forEach((k, v) -> {
                String name = String.valueOf(k);
                flatten(name.chars().allMatch(Character::isDigit) ? key + "[" + name + "]" : key + "." + name, v, out);
            });
        } else if (value instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                flatten(key + "[" + i + "]", list.get(i), out);
            }
        } else {
            out.put(key, value == null ? "" : value.toString());
        }
    }

    static RoutePolicy compile(String routeId, PolicyProperties p, String prefix, Context context) {
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
        if (p.identityKey() != null && context != Context.ANY && !context.identityKeys().contains(p.identityKey())) {
            throw new InvalidPolicyException(prefix + ".identity-key", "route '" + routeId + "' signs identity with the key '"
                    + p.identityKey() + "', but portcullis.identity.signing.keys." + p.identityKey()
                    + " is not set (base64 of at least 32 random bytes, shared with that route's service)");
        }
        for (int i = 0; i < p.issuers().size(); i++) {
            String issuer = p.issuers().get(i);
            if (issuer == null || issuer.isBlank() || (context != Context.ANY && !context.issuers().contains(issuer))) {
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

    /** Fails on any key under the policy that Portcullis does not know: {@code permision} must not mean "no rule". */
    private static void rejectUnknownKeys(Set<String> names, String prefix) {
        ConfigurationPropertyName root = ConfigurationPropertyName.of(prefix);
        int depth = root.getNumberOfElements();
        for (String raw : names) {
            ConfigurationPropertyName name = ConfigurationPropertyName.adapt(raw, '.');
            if (!root.isAncestorOf(name)) {
                continue;
            }
            String key = name.getElement(depth, ConfigurationPropertyName.Form.DASHED);
            if (!PolicyProperties.KEYS.contains(key)) {
                throw new InvalidPolicyException(raw, "unknown policy key '" + key + "'; known keys: " + PolicyProperties.KEYS);
            }
            if (key.equals("access") && name.getNumberOfElements() > depth + 2 && name.isNumericIndex(depth + 1)) {
                String ruleKey = name.getElement(depth + 2, ConfigurationPropertyName.Form.DASHED);
                if (!PolicyProperties.RULE_KEYS.contains(ruleKey)) {
                    throw new InvalidPolicyException(raw, "unknown access-rule key '" + ruleKey + "'; known keys: "
                            + PolicyProperties.RULE_KEYS);
                }
            }
            if (key.equals("rate-limit") && name.getNumberOfElements() > depth + 1) {
                String limitKey = name.getElement(depth + 1, ConfigurationPropertyName.Form.DASHED);
                if (!PolicyProperties.RATE_LIMIT_KEYS.contains(limitKey)) {
                    throw new InvalidPolicyException(raw, "unknown rate-limit key '" + limitKey + "'; known keys: "
                            + PolicyProperties.RATE_LIMIT_KEYS);
                }
            }
        }
    }
}
