package dev.portcullis.thirdparty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SigningKeyTest {

    @TempDir
    Path dir;

    @Test
    void generatesAFreshKeyNamedByItsThumbprintWhenNoFileIsConfigured() throws Exception {
        RSAKey first = SigningKey.load(null);
        RSAKey second = SigningKey.load(null);

        assertThat(first.isPrivate()).isTrue();
        assertThat(first.size()).isEqualTo(2048);
        assertThat(first.getKeyID()).isEqualTo(first.computeThumbprint().toString());
        assertThat(second.getKeyID()).isNotEqualTo(first.getKeyID());
    }

    @Test
    void readsThePrivateKeyFromTheFileAndKeepsItsKid() throws Exception {
        RSAKey stored = new RSAKeyGenerator(2048).keyID("partner-key-1").generate();
        Path file = Files.writeString(dir.resolve("key.json"), stored.toJSONString());

        RSAKey loaded = SigningKey.load(file);

        assertThat(loaded.getKeyID()).isEqualTo("partner-key-1");
        assertThat(loaded.toRSAPrivateKey()).isEqualTo(stored.toRSAPrivateKey());
    }

    @Test
    void namesAKeyFileWithoutKidByItsThumbprint() throws Exception {
        RSAKey stored = new RSAKeyGenerator(2048).generate();
        Path file = Files.writeString(dir.resolve("key.json"), stored.toJSONString());

        assertThat(SigningKey.load(file).getKeyID()).isEqualTo(stored.computeThumbprint().toString());
    }

    @Test
    void refusesAPublicKeyAShortKeyOrAFileThatIsNoJwkNamingTheSettingAndNotTheContent() throws Exception {
        RSAKey key = new RSAKeyGenerator(2048).generate();
        Path publicOnly = Files.writeString(dir.resolve("public.json"), key.toPublicJWK().toJSONString());
        Path shortKey = Files.writeString(dir.resolve("short.json"),
                new RSAKeyGenerator(1024, true).generate().toJSONString());
        Path garbage = Files.writeString(dir.resolve("garbage.json"), "{\"d\": \"secret-looking-content\"");

        assertThatThrownBy(() -> SigningKey.load(publicOnly)).hasMessageContaining("third-party.key-file")
                .hasMessageContaining("private RSA key");
        assertThatThrownBy(() -> SigningKey.load(shortKey)).hasMessageContaining("third-party.key-file")
                .hasMessageContaining("2048");
        assertThatThrownBy(() -> SigningKey.load(garbage)).hasMessageContaining("third-party.key-file")
                .hasMessageNotContaining("secret-looking-content");
        assertThatThrownBy(() -> SigningKey.load(dir.resolve("missing.json"))).hasMessageContaining("third-party.key-file");
    }
}
