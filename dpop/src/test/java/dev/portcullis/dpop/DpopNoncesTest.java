package dev.portcullis.dpop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class DpopNoncesTest {

    private static final Instant NOW = Instant.parse("2026-12-02T06:00:30Z");
    private final byte[] secret = new byte[32];

    @Test
    void anInstanceWithTheSameSecretAcceptsAnotherInstancesNonceInItsStepAndTheNext() {
        DpopNonces one = new DpopNonces(secret, Duration.ofMinutes(1));
        DpopNonces other = new DpopNonces(secret.clone(), Duration.ofMinutes(1));
        String nonce = one.current(NOW);

        assertThat(other.accepts(nonce, NOW)).isTrue();
        assertThat(other.accepts(nonce, NOW.plusSeconds(60))).isTrue();
        assertThat(other.accepts(nonce, NOW.plusSeconds(120))).isFalse();
    }

    @Test
    void refusesANonceOfAnotherSecretOrAForgedOne() {
        byte[] otherSecret = new byte[32];
        Arrays.fill(otherSecret, (byte) 7);
        DpopNonces ours = new DpopNonces(secret, Duration.ofMinutes(1));
        String foreign = new DpopNonces(otherSecret, Duration.ofMinutes(1)).current(NOW);

        assertThat(ours.accepts(foreign, NOW)).isFalse();
        assertThat(ours.accepts("garbage", NOW)).isFalse();
        assertThat(ours.accepts("99999999999999999999.x", NOW)).isFalse();
    }

    @Test
    void refusesAShortSecret() {
        assertThatThrownBy(() -> new DpopNonces(new byte[16], Duration.ofMinutes(1)))
                .hasMessageContaining("32 bytes");
    }
}
