package dev.portcullis.gateway.policy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.route.RouteDefinition;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpMethod;

/**
 * The compiled policy of every route, looked up by route id on each request. Compiled and validated once at start-up:
 * a typo in a key, an unknown HTTP method, or a public rule that also asks for permissions stops the gateway with a
 * message naming the exact property, instead of silently protecting less than the team meant.
 */
public final class RoutePolicies {

    static final String ROUTES = GatewayProperties.PREFIX + ".routes";
    private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE");

    private final Map<String, RoutePolicy> byRouteId;

    RoutePolicies(Map<String, RoutePolicy> byRouteId) {
        this.byRouteId = Map.copyOf(byRouteId);
    }

    /** Routes not declared in YAML (Java DSL, discovery) get the default: authenticated. */
    public RoutePolicy forRoute(String routeId) {
        RoutePolicy policy = byRouteId.get(routeId);
        return policy != null ? policy : RoutePolicy.authenticated(routeId);
    }

    public static RoutePolicies load(GatewayProperties gateway, Environment environment) {
        Binder binder = Binder.get(environment);
        Map<String, RoutePolicy> policies = new HashMap<>();
        List<RouteDefinition> routes = gateway.getRoutes();
        for (int i = 0; i < routes.size(); i++) {
            RouteDefinition route = routes.get(i);
            String prefix = ROUTES + "[" + i + "].metadata.policy";
            if (route.getId() == null || route.getId().isBlank()) {
                throw new InvalidPolicyException(ROUTES + "[" + i + "].id", "every route needs an id");
            }
            rejectUnknownKeys(environment, prefix);
            PolicyProperties properties = binder.bind(prefix, Bindable.of(PolicyProperties.class)).orElse(null);
            RoutePolicy policy = properties == null ? RoutePolicy.authenticated(route.getId())
                    : compile(route.getId(), properties, prefix);
            if (policies.put(route.getId(), policy) != null) {
                throw new InvalidPolicyException(ROUTES + "[" + i + "].id", "the route id '" + route.getId() + "' is used twice");
            }
        }
        return new RoutePolicies(policies);
    }

    static RoutePolicy compile(String routeId, PolicyProperties p, String prefix) {
        AccessRule defaultRule = rule(prefix, List.of(), p.publicAccess(), p.roles(), p.permissions(), p.anyPermissions(),
                p.scopes(), p.mfa());
        List<AccessRule> methodRules = new ArrayList<>();
        for (int i = 0; i < p.access().size(); i++) {
            PolicyProperties.Rule r = p.access().get(i);
            String key = prefix + ".access[" + i + "]";
            if (r.methods().isEmpty()) {
                throw new InvalidPolicyException(key + ".methods", "a rule in 'access' must name the methods it is for");
            }
            methodRules.add(rule(key, r.methods(), r.publicAccess(), r.roles(), r.permissions(), r.anyPermissions(),
                    r.scopes(), r.mfa()));
        }
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
        return new RoutePolicy(routeId, List.copyOf(methodRules), defaultRule, p.forwardAuthorization(),
                p.revocationFailOpen(), rateLimit, rateLimitEnabled, p.retries());
    }

    private static AccessRule rule(String key, List<String> methods, boolean publicAccess, List<String> roles,
                                   List<String> permissions, List<String> anyPermissions, List<String> scopes, boolean mfa) {
        Set<HttpMethod> parsed = new LinkedHashSet<>();
        for (int i = 0; i < methods.size(); i++) {
            String method = methods.get(i).trim().toUpperCase(Locale.ROOT);
            if (!METHODS.contains(method)) {
                throw new InvalidPolicyException(key + ".methods[" + i + "]", "'" + methods.get(i) + "' is not an HTTP method");
            }
            parsed.add(HttpMethod.valueOf(method));
        }
        if (publicAccess && (!roles.isEmpty() || !permissions.isEmpty() || !anyPermissions.isEmpty() || !scopes.isEmpty() || mfa)) {
            throw new InvalidPolicyException(key + ".public",
                    "a public rule cannot also require roles, permissions, scopes or mfa (public means no token is checked)");
        }
        checkNames(key + ".roles", roles);
        checkNames(key + ".permissions", permissions);
        checkNames(key + ".any-permissions", anyPermissions);
        checkNames(key + ".scopes", scopes);
        return new AccessRule(Set.copyOf(parsed), publicAccess, Set.copyOf(roles), Set.copyOf(permissions),
                Set.copyOf(anyPermissions), Set.copyOf(scopes), mfa);
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
    private static void rejectUnknownKeys(Environment environment, String prefix) {
        ConfigurationPropertyName root = ConfigurationPropertyName.of(prefix);
        int depth = root.getNumberOfElements();
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
            if (!(source instanceof IterableConfigurationPropertySource iterable)) {
                continue;
            }
            iterable.stream().filter(root::isAncestorOf).forEach(name -> {
                String key = name.getElement(depth, ConfigurationPropertyName.Form.DASHED);
                if (!PolicyProperties.KEYS.contains(key)) {
                    throw new InvalidPolicyException(name.toString(), "unknown policy key '" + key + "'; known keys: "
                            + PolicyProperties.KEYS);
                }
                if (key.equals("access") && name.getNumberOfElements() > depth + 2 && name.isNumericIndex(depth + 1)) {
                    String ruleKey = name.getElement(depth + 2, ConfigurationPropertyName.Form.DASHED);
                    if (!PolicyProperties.RULE_KEYS.contains(ruleKey)) {
                        throw new InvalidPolicyException(name.toString(), "unknown access-rule key '" + ruleKey
                                + "'; known keys: " + PolicyProperties.RULE_KEYS);
                    }
                }
                if (key.equals("rate-limit") && name.getNumberOfElements() > depth + 1) {
                    String limitKey = name.getElement(depth + 1, ConfigurationPropertyName.Form.DASHED);
                    if (!PolicyProperties.RATE_LIMIT_KEYS.contains(limitKey)) {
                        throw new InvalidPolicyException(name.toString(), "unknown rate-limit key '" + limitKey
                                + "'; known keys: " + PolicyProperties.RATE_LIMIT_KEYS);
                    }
                }
            });
        }
    }
}
