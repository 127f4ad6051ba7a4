package dev.portcullis.gateway.policy;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.DataObjectPropertyName;
import org.springframework.boot.context.properties.bind.Name;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * Binds a route's policy metadata (nested maps and lists, as Spring Cloud Gateway bound them into the route) to
 * {@link PolicyProperties} with the configuration binder, so that a wrong value fails with the property's full name,
 * and refuses any key Portcullis does not know: {@code permision} must not mean "no rule". The known keys are the
 * components of the records the metadata binds to, in their dashed form: a key added to a record is known at once.
 */
final class RoutePolicyBinder {

    /** Keys allowed directly under {@code metadata.policy}; anything else is a typo and fails start-up. */
    static final List<String> KEYS = keysOf(PolicyProperties.class);
    /** Keys allowed in an {@code access[n]} rule. */
    static final List<String> RULE_KEYS = keysOf(PolicyProperties.Rule.class);
    /** Keys allowed under {@code rate-limit}. */
    static final List<String> RATE_LIMIT_KEYS = keysOf(PolicyProperties.RateLimitProperties.class);

    private RoutePolicyBinder() {
    }

    /**
     * The property names a record binds, in the order of its components: the {@link Name @Name} a component carries
     * ({@code public}), else its name in dashed form ({@code anyPermissions} is {@code any-permissions}).
     */
    static List<String> keysOf(Class<? extends Record> type) {
        List<String> keys = new ArrayList<>();
        for (RecordComponent component : type.getRecordComponents()) {
            Name name;
            try {
                name = type.getDeclaredField(component.getName()).getAnnotation(Name.class);
            } catch (NoSuchFieldException e) {
                throw new IllegalStateException(e); // a record has a field per component
            }
            keys.add(name != null ? name.value() : DataObjectPropertyName.toDashedForm(component.getName()));
        }
        return List.copyOf(keys);
    }

    /** Binds the policy metadata with the configuration binder, keys named as the operator wrote them. */
    static PolicyProperties bind(String metadataKey, String name, Object policyMetadata) {
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
            if (!KEYS.contains(key)) {
                throw new InvalidPolicyException(raw, "unknown policy key '" + key + "'; known keys: " + KEYS);
            }
            if (key.equals("access") && name.getNumberOfElements() > depth + 2 && name.isNumericIndex(depth + 1)) {
                String ruleKey = name.getElement(depth + 2, ConfigurationPropertyName.Form.DASHED);
                if (!RULE_KEYS.contains(ruleKey)) {
                    throw new InvalidPolicyException(raw, "unknown access-rule key '" + ruleKey + "'; known keys: "
                            + RULE_KEYS);
                }
            }
            if (key.equals("rate-limit") && name.getNumberOfElements() > depth + 1) {
                String limitKey = name.getElement(depth + 1, ConfigurationPropertyName.Form.DASHED);
                if (!RATE_LIMIT_KEYS.contains(limitKey)) {
                    throw new InvalidPolicyException(raw, "unknown rate-limit key '" + limitKey + "'; known keys: "
                            + RATE_LIMIT_KEYS);
                }
            }
        }
    }
}
