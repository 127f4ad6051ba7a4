package dev.portcullis.auth.config;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * {@link AuthProperties} for tests that need no application context, bound the way the application binds them: from
 * keys, with every other value taken from the record's {@code @DefaultValue}s (so tests never restate a default).
 */
public final class BoundAuthProperties {

    private BoundAuthProperties() {
    }

    /**
     * @param keysAndValues {@code key=value} pairs below {@code portcullis.auth}, e.g. {@code "keys.dir=/tmp/keys"}
     */
    public static AuthProperties of(String... keysAndValues) {
        Map<String, String> properties = new LinkedHashMap<>();
        for (String keyAndValue : keysAndValues) {
            int separator = keyAndValue.indexOf('=');
            properties.put("portcullis.auth." + keyAndValue.substring(0, separator), keyAndValue.substring(separator + 1));
        }
        return new Binder(new MapConfigurationPropertySource(properties)).bindOrCreate("portcullis.auth", AuthProperties.class);
    }
}
