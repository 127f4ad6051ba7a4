package dev.portcullis.gateway.identity;

import dev.portcullis.contract.IdentitySignature;
import dev.portcullis.gateway.policy.InvalidPolicyException;
import dev.portcullis.gateway.policy.RoutePolicies;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.route.RouteDefinition;

/**
 * The identity signing keys, decoded and checked once at start-up: every key a route names must be configured, and
 * every configured key must be base64 of at least 256 bits. A failure names the key (never its value), so a gateway
 * with a missing or weak key does not start rather than forward identity its services will refuse.
 */
public final class IdentitySigningKeys {

    static final String PREFIX = "portcullis.identity.signing.keys.";

    private final Map<String, IdentitySignature> byName;

    private IdentitySigningKeys(Map<String, IdentitySignature> byName) {
        this.byName = Map.copyOf(byName);
    }

    /** The key of this name, or null when none is configured (start-up has made sure no route names such a key). */
    public IdentitySignature get(String name) {
        return byName.get(name);
    }

    /** Decodes the configured keys and checks them against the routes that name one. */
    public static IdentitySigningKeys load(IdentitySigningProperties properties, RoutePolicies policies,
                                           GatewayProperties gateway) {
        Map<String, IdentitySignature> keys = new HashMap<>();
        // sorted, so that with several bad keys the same one is reported every time
        new TreeMap<>(properties.keys()).forEach((name, value) -> {
            if (value == null || value.isBlank()) {
                return; // a placeholder left empty: only an error if a route needs the key (below)
            }
            try {
                keys.put(name, IdentitySignature.withEncodedKey(value));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("Invalid identity signing key '" + PREFIX + name + "': " + e.getMessage());
            }
        });
        var routes = gateway.getRoutes();
        for (int i = 0; i < routes.size(); i++) {
            RouteDefinition route = routes.get(i);
            String name = policies.forRoute(route.getId()).identityKey();
            if (name != null && !keys.containsKey(name)) {
                throw new InvalidPolicyException("spring.cloud.gateway.server.webflux.routes[" + i + "].metadata.policy.identity-key",
                        "route '" + route.getId() + "' signs identity with the key '" + name + "', but " + PREFIX + name
                                + " is not set (base64 of at least 32 random bytes, shared with that route's service)");
            }
        }
        return new IdentitySigningKeys(keys);
    }
}
