package dev.portcullis.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The YAML helpers read configuration files the way Spring does. */
class YamlsTest {

    @Test
    void readsSpringPropertiesFromNestedAndDottedYamlKeys() {
        Map<String, Object> yml = Yamls.parseAll("""
                portcullis.http:
                  trusted-proxies: [10.0.0.0/8]
                portcullis:
                  jwt.issuers: {a: {issuer: x}}
                """).getFirst();

        assertThat(Yamls.property(yml, "portcullis.http.trusted-proxies")).isEqualTo(List.of("10.0.0.0/8"));
        assertThat(Yamls.property(yml, "portcullis.jwt.issuers.a.issuer")).isEqualTo("x");
        assertThat(Yamls.property(yml, "portcullis.redis.url")).isNull();
    }
}
