package dev.portcullis.thirdparty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.thirdparty.ThirdPartyIssuerProperties.Client;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ThirdPartyIssuerPropertiesTest {

    private static final URI ISSUER = URI.create("http://localhost:9100");
    private static final Client PARTNER = new Client("partner-app", "s3cret-value", Set.of("products:read"),
            List.of("portcullis"), List.of("partner"));

    @Test
    void defaultsTheTokenLifetimeToFiveMinutesAndDropsBlankListEntries() {
        ThirdPartyIssuerProperties properties = new ThirdPartyIssuerProperties(ISSUER, null, null, List.of(
                new Client("partner-app", "s3cret-value", Set.of("products:read", ""), List.of("portcullis", ""), List.of(""))));

        assertThat(properties.tokenLifetime()).isEqualTo(Duration.ofMinutes(5));
        assertThat(properties.clients().getFirst().scopes()).containsExactly("products:read");
        assertThat(properties.clients().getFirst().audiences()).containsExactly("portcullis");
        assertThat(properties.clients().getFirst().roles()).isEmpty();
    }

    @Test
    void aWrongValueFailsTheStartWithItsKeyAndNeverWithTheSecret() {
        Client noSecret = new Client("partner-app", " ", Set.of(), List.of("portcullis"), List.of());
        Client noAudience = new Client("partner-app", "s3cret-value", Set.of(), List.of(), List.of());
        Client badId = new Client("partner app", "s3cret-value", Set.of(), List.of("portcullis"), List.of());

        assertThatThrownBy(() -> properties(List.of(noSecret))).hasMessageContaining("third-party.clients[0].secret");
        assertThatThrownBy(() -> properties(List.of(noAudience))).hasMessageContaining("third-party.clients[0].audiences");
        assertThatThrownBy(() -> properties(List.of(PARTNER, badId))).hasMessageContaining("third-party.clients[1].id");
        assertThatThrownBy(() -> properties(List.of(PARTNER, PARTNER))).hasMessageContaining("third-party.clients[1].id")
                .hasMessageNotContaining("s3cret-value");
        assertThatThrownBy(() -> properties(List.of())).hasMessageContaining("third-party.clients");
        assertThatThrownBy(() -> new ThirdPartyIssuerProperties(URI.create("http://localhost:9100?x=1"), null, null,
                List.of(PARTNER))).hasMessageContaining("third-party.issuer");
        assertThatThrownBy(() -> new ThirdPartyIssuerProperties(ISSUER, null, Duration.ZERO, List.of(PARTNER)))
                .hasMessageContaining("third-party.token-lifetime");
    }

    @Test
    void aClientPrintsWithoutItsSecret() {
        assertThat(PARTNER.toString()).contains("partner-app", "products:read").doesNotContain("s3cret-value");
    }

    private static ThirdPartyIssuerProperties properties(List<Client> clients) {
        return new ThirdPartyIssuerProperties(ISSUER, null, null, clients);
    }
}
