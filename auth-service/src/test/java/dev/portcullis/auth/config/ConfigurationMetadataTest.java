package dev.portcullis.auth.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.testsupport.ConfigurationReference;
import dev.portcullis.testsupport.ConfigurationReference.Metadata;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.io.FileSystemResource;

/**
 * The configuration reference of auth-service/README.md and the metadata the configuration processor generates from
 * {@link AuthProperties} (what IDEs complete and document) name the same keys with the same defaults, so that neither
 * can drift from the code.
 */
class ConfigurationMetadataTest {

    private static final String PREFIX = "portcullis.auth.";

    private final Map<String, Metadata> metadata = ConfigurationReference.metadata(AuthProperties.class);
    private final List<Map<String, String>> rows = ConfigurationReference.tableRows(Path.of("README.md"), "Configuration");

    @Test
    void everyKeyOfTheReadmeIsInTheMetadataWithTheSameDefault() {
        Map<String, String> documented = documentedDefaults();
        assertThat(documented).hasSizeGreaterThan(40);
        assertThat(metadata).as("keys in the metadata").containsKeys(documented.keySet().toArray(String[]::new));
        List<String> differences = new ArrayList<>();
        documented.forEach((key, value) -> {
            if (!Objects.equals(value, metadata.get(key).defaultValue())) {
                differences.add(key + ": README " + value + ", metadata " + metadata.get(key).defaultValue());
            }
        });
        assertThat(differences).as("defaults that differ").isEmpty();
    }

    @Test
    void everyKeyOfTheMetadataIsInTheReadme() {
        Map<String, String> documented = documentedDefaults();
        assertThat(metadata.keySet().stream().filter(key -> key.startsWith(PREFIX) && !documented.containsKey(key)))
                .as("keys of the metadata missing from the README").isEmpty();
    }

    @Test
    void everyKeyIsDescribedAndNamesTheEnvironmentVariableTheReadmeGivesIt() {
        metadata.values().forEach(property -> assertThat(property.description()).as(property.key()).isNotBlank()
                // the processor copies javadoc verbatim: an inline tag would show up raw in the IDE
                .doesNotContain("{@"));
        int variables = 0;
        for (Map<String, String> row : rows) {
            List<String> env = ConfigurationReference.leadingValues(row.get("env"));
            for (String variable : env) {
                for (String key : ConfigurationReference.keys(row.get("key"), PREFIX)) {
                    assertThat(metadata.get(key).description()).as(key).contains(variable);
                    variables++;
                }
            }
        }
        assertThat(variables).isGreaterThanOrEqualTo(8);
    }

    @Test
    void everyFallbackApplicationYmlGivesAnEnvironmentVariableIsTheMetadatasDefault() throws IOException {
        Map<String, Object> yml = new LinkedHashMap<>();
        new YamlPropertySourceLoader().load("application.yml", new FileSystemResource("src/main/resources/application.yml"))
                .forEach(source -> yml.putAll(((MapPropertySource) source).getSource()));
        ConfigurationReference.FallbackComparison comparison = ConfigurationReference.compareFallbacks(
                ConfigurationReference.variableFallbacks(yml), metadata, "portcullis.auth.");
        assertThat(comparison.compared()).isGreaterThanOrEqualTo(8);
        assertThat(comparison.differences()).as("defaults that differ").isEmpty();
    }

    /** README key to its default ({@code null}: none), one entry per key even where a row names several. */
    private Map<String, String> documentedDefaults() {
        Map<String, String> defaults = new LinkedHashMap<>();
        for (Map<String, String> row : rows) {
            List<String> keys = ConfigurationReference.keys(row.get("key"), PREFIX);
            List<String> values = new ArrayList<>(ConfigurationReference.leadingValues(row.get("default")));
            assertThat(values.size()).as("defaults of " + keys).isIn(0, keys.size());
            for (int i = 0; i < keys.size(); i++) {
                defaults.put(keys.get(i), values.isEmpty() ? null : ConfigurationReference.normalise(values.get(i)));
            }
        }
        return defaults;
    }
}
