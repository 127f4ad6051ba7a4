package dev.portcullis.servicesupport.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.testsupport.ConfigurationReference;
import dev.portcullis.testsupport.ConfigurationReference.Metadata;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The identity keys every sample service reads, as sample-services/README.md documents them and as the metadata the
 * configuration processor generates from {@link GatewayIdentityProperties} (what IDEs complete) has them: the same
 * keys, the same defaults, and each environment variable either named in the key's description or the key's own
 * relaxed-binding form.
 */
class ConfigurationMetadataTest {

    private static final String PREFIX = "portcullis.gateway-identity.";

    private final Map<String, Metadata> metadata = ConfigurationReference.metadata(GatewayIdentityProperties.class);
    private final List<Map<String, String>> rows =
            ConfigurationReference.tableRows(Path.of("..", "README.md"), "Headers they read").stream()
                    .filter(row -> row.containsKey("key (all three services)"))
                    .toList();

    @Test
    void theReadmeAndTheMetadataNameTheSameKeysWithTheSameDefaults() {
        Map<String, String> documented = new LinkedHashMap<>();
        for (Map<String, String> row : rows) {
            List<String> values = ConfigurationReference.leadingValues(row.get("default"));
            ConfigurationReference.keys(row.get("key (all three services)"), "").forEach(key ->
                    documented.put(key, values.isEmpty() ? null : ConfigurationReference.normalise(values.getFirst())));
        }
        Map<String, String> generated = new LinkedHashMap<>();
        metadata.values().stream().filter(property -> property.key().startsWith(PREFIX))
                .forEach(property -> generated.put(property.key(), property.defaultValue()));
        assertThat(generated).hasSize(4).isEqualTo(documented);
    }

    @Test
    void everyKeyIsDescribedAndItsVariableIsNamedOrItsRelaxedForm() {
        for (Map<String, String> row : rows) {
            for (String key : ConfigurationReference.keys(row.get("key (all three services)"), "")) {
                String description = metadata.get(key).description();
                assertThat(description).as(key).isNotBlank().doesNotContain("{@"); // shown raw by IDEs otherwise
                String relaxed = key.replace("-", "").replace('.', '_').toUpperCase(Locale.ROOT);
                for (String variable : ConfigurationReference.leadingValues(row.get("env"))) {
                    assertThat(variable.equals(relaxed) || description.contains(variable)).as(key + " " + variable).isTrue();
                }
            }
        }
    }
}
