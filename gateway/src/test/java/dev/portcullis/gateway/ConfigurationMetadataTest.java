package dev.portcullis.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.gateway.config.EdgeConfiguration;
import dev.portcullis.testsupport.ConfigurationReference;
import dev.portcullis.testsupport.ConfigurationReference.Metadata;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.io.FileSystemResource;

/**
 * The gateway configuration reference of README.md and the metadata the configuration processor generates from the
 * {@code @ConfigurationProperties} records plus {@code META-INF/additional-spring-configuration-metadata.json} (what
 * IDEs complete and document) name the same {@code portcullis.*} keys with the same defaults, so that neither can drift
 * from the code.
 */
class ConfigurationMetadataTest {

    private final Map<String, Metadata> metadata = ConfigurationReference.metadata(EdgeConfiguration.class);
    private final Map<String, Map<String, String>> hints = ConfigurationReference.hints(EdgeConfiguration.class);
    private final List<Map<String, String>> rows =
            ConfigurationReference.tableRows(Path.of("..", "README.md"), "Gateway configuration reference");

    @Test
    void everyKeyOfTheReadmeIsInTheMetadataWithTheSameDefault() {
        Map<String, String> documented = documentedDefaults();
        assertThat(documented).hasSizeGreaterThan(50);
        List<String> unknown = new ArrayList<>();
        List<String> differences = new ArrayList<>();
        documented.forEach((key, value) -> {
            Metadata property = metadata.get(key);
            if (property == null) {
                if (mapHolding(key).isEmpty()) {
                    unknown.add(key);
                }
            } else if (!Objects.equals(value, property.defaultValue())) {
                differences.add(key + ": README " + value + ", metadata " + property.defaultValue());
            }
        });
        assertThat(unknown).as("README keys missing from the metadata").isEmpty();
        assertThat(differences).as("defaults that differ").isEmpty();
    }

    @Test
    void everyKeyOfTheMetadataIsInTheReadme() {
        Map<String, String> documented = documentedDefaults();
        assertThat(metadata.keySet().stream().filter(key -> key.startsWith("portcullis.") && !documented.containsKey(key)))
                .as("keys of the metadata missing from the README").isEmpty();
    }

    @Test
    void everyKeyIsDescribedAndNamesTheEnvironmentVariableTheReadmeGivesIt() {
        metadata.values().forEach(property -> assertThat(property.description()).as(property.key()).isNotBlank());
        int variables = 0;
        for (Map<String, String> row : rows) {
            if (!row.containsKey("environment variable")) {
                continue;
            }
            for (String key : portcullisKeys(row)) {
                for (String variable : ConfigurationReference.leadingValues(row.get("environment variable"))) {
                    String description = metadata.containsKey(key) ? metadata.get(key).description()
                            : mapHolding(key).map(map -> hints.getOrDefault(map.key() + ".keys", Map.of())
                                    .get(key.substring(map.key().length() + 1))).orElse(null);
                    assertThat(description).as(key).contains(variable);
                    variables++;
                }
            }
        }
        assertThat(variables).isGreaterThanOrEqualTo(9);
    }

    @Test
    void everyFallbackApplicationYmlGivesAnEnvironmentVariableIsTheMetadatasDefault() throws IOException {
        Map<String, Object> yml = new LinkedHashMap<>();
        new YamlPropertySourceLoader().load("application.yml", new FileSystemResource("src/main/resources/application.yml"))
                .forEach(source -> yml.putAll(((MapPropertySource) source).getSource()));
        ConfigurationReference.FallbackComparison comparison = ConfigurationReference.compareFallbacks(
                ConfigurationReference.variableFallbacks(yml), metadata, "portcullis.");
        assertThat(comparison.compared()).isGreaterThanOrEqualTo(5);
        assertThat(comparison.differences()).as("defaults that differ").isEmpty();
    }

    /** README key to its default ({@code null}: none), one entry per {@code portcullis.*} key. */
    private Map<String, String> documentedDefaults() {
        Map<String, String> defaults = new LinkedHashMap<>();
        for (Map<String, String> row : rows) {
            List<String> keys = portcullisKeys(row);
            if (keys.isEmpty()) {
                continue; // server.*, spring.*, route targets: not Portcullis' keys
            }
            List<String> values = ConfigurationReference.leadingValues(row.get("default"));
            assertThat(values.size()).as("defaults of " + keys).isIn(0, keys.size());
            for (int i = 0; i < keys.size(); i++) {
                defaults.put(keys.get(i), values.isEmpty() ? null : ConfigurationReference.normalise(values.get(i)));
            }
        }
        return defaults;
    }

    private static List<String> portcullisKeys(Map<String, String> row) {
        return ConfigurationReference.keys(row.get("property"), "").stream()
                .filter(key -> key.startsWith("portcullis."))
                .toList();
    }

    /** The map property a key is an entry of ({@code portcullis.identity.signing.keys} for {@code ….keys.users}). */
    private Optional<Metadata> mapHolding(String key) {
        return metadata.values().stream().filter(Metadata::isMap).filter(map -> key.startsWith(map.key() + ".")).findFirst();
    }
}
