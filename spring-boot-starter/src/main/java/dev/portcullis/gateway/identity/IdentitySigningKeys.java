package dev.portcullis.gateway.identity;

import dev.portcullis.contract.IdentitySignature;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The identity signing keys, decoded and checked once at start-up: every configured key must be base64 of at least
 * 256 bits, and (checked where route policies are compiled) every key a route names must be configured. A failure
 * names the key (never its value), so a gateway with a missing or weak key does not start rather than forward
 * identity its services will refuse.
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

    /** The names of the configured keys (route policies may name only these). */
    public Set<String> names() {
        return byName.keySet();
    }

    /**
     * Decodes the configured keys. That every key a route names is configured is checked where the route policies are
     * compiled (at start-up and on every reload).
     */
    public static IdentitySigningKeys load(IdentitySigningProperties properties) {
        Map<String, IdentitySignature> keys = new HashMap<>();
        // sorted, so that with several bad keys the same one is reported every time
        new TreeMap<>(properties.keys()).forEach((name, value) -> {
            if (value == null || value.isBlank()) {
                return; // a placeholder left empty: only an error if a route needs the key (RoutePolicies)
            }
            try {
                keys.put(name, IdentitySignature.withEncodedKey(value));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("Invalid identity signing key '" + PREFIX + name + "': " + e.getMessage());
            }
        });
        return new IdentitySigningKeys(keys);
    }
}
