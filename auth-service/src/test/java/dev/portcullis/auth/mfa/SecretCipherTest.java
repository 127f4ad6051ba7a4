package dev.portcullis.auth.mfa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SecretCipherTest {

    private final SecretCipher cipher = new SecretCipher(new byte[32]);

    @Test
    void encryptsWithAFreshNonceAndDecryptsForTheSameSubjectOnly() {
        byte[] secret = "12345678901234567890".getBytes(StandardCharsets.US_ASCII);
        String first = cipher.encrypt(secret, "u-alice");
        String second = cipher.encrypt(secret, "u-alice");
        assertThat(first).isNotEqualTo(second);
        assertThat(cipher.decrypt(first, "u-alice")).isEqualTo(secret);
        assertThatThrownBy(() -> cipher.decrypt(first, "u-bob")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void refusesAKeyThatIsNot256Bits() {
        assertThatThrownBy(() -> new SecretCipher(new byte[16]))
                .hasMessageContaining("portcullis.auth.mfa.encryption-key");
    }
}
