package dev.portcullis.dpop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DpopSettingsTest {

    private static final String SECRET = Base64.getEncoder().encodeToString(new byte[32]);

    @Test
    void aRefusedRuleNamesTheKeyUnderTheTiersPrefix() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> DpopSettings.rules("portcullis.auth.dpop", Set.of("HS256"), Duration.ofSeconds(60),
                        Duration.ofSeconds(5), 128))
                .withMessageStartingWith("portcullis.auth.dpop.algorithms");
        assertThat(DpopSettings.rules("portcullis.dpop", Set.of("ES256"), Duration.ofSeconds(60), Duration.ofSeconds(5), 128)
                .replayWindow()).isEqualTo(Duration.ofSeconds(65));
    }

    @Test
    void aPublicOriginMustBeAnAbsoluteHttpOriginAndBlankMeansNone() {
        assertThat(DpopSettings.publicOrigin("portcullis.dpop", "  ")).isNull();
        assertThat(DpopSettings.publicOrigin("portcullis.dpop", " https://api.example.com "))
                .isEqualTo(URI.create("https://api.example.com"));
        for (String bad : new String[] {"api.example.com", "ftp://api.example.com", "https://", "ht tp://x"}) {
            assertThatIllegalArgumentException().as(bad).isThrownBy(() -> DpopSettings.publicOrigin("portcullis.dpop", bad))
                    .withMessage("portcullis.dpop.public-origin: must be an absolute http(s) origin");
        }
    }

    @Test
    void noncesAreOffUnlessEnabledAndThenNeedAStrongSecret() {
        assertThat(DpopSettings.nonces("portcullis.dpop", false, null, Duration.ofMinutes(5))).isNull();
        DpopNonces nonces = DpopSettings.nonces("portcullis.dpop", true, SECRET, Duration.ofMinutes(5));
        Instant now = Instant.parse("2026-12-02T06:00:00Z");
        assertThat(nonces.accepts(nonces.current(now), now)).isTrue();
        assertThatIllegalArgumentException()
                .isThrownBy(() -> DpopSettings.nonces("portcullis.auth.dpop", true, null, Duration.ofMinutes(5)))
                .withMessageStartingWith("portcullis.auth.dpop.nonce: ");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> DpopSettings.nonces("portcullis.dpop", true, "not base64!", Duration.ofMinutes(5)))
                .withMessageStartingWith("portcullis.dpop.nonce: ");
    }
}
