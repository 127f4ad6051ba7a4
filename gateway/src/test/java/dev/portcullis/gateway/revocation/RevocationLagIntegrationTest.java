package dev.portcullis.gateway.revocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.contract.RevocationKeys;
import dev.portcullis.contract.RevocationMessage;
import dev.portcullis.contract.RevocationScript;
import dev.portcullis.gateway.support.GatewayIntegrationTest;
import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The published revocation guarantee is measured: each message is timed from the issue instant it carries to its
 * application here ({@code portcullis.revocation.lag}, against the edge's clock), and the channel's last sign of life
 * has an age ({@code portcullis.revocation.view.heartbeat.age.seconds}).
 */
class RevocationLagIntegrationTest extends GatewayIntegrationTest {

    private static void write(RevocationMessage revocation) {
        redis().eval(RevocationScript.LUA, ScriptOutputType.INTEGER, RevocationScript.keys(revocation),
                RevocationScript.arguments(revocation, Duration.ofMinutes(16), RevocationKeys.CHANNEL));
    }

    @Test
    void aRevocationIsTimedFromTheIssueInstantItsMessageCarries() {
        double count = metric("portcullis_revocation_lag_seconds_count");
        double within250ms = metric("portcullis_revocation_lag_seconds_bucket", "le=\"0.25\"");
        double within500ms = metric("portcullis_revocation_lag_seconds_bucket", "le=\"0.5\"");

        // issued 300 ms ago by the edge's clock: whatever the transit adds, it lands between 250 ms and 500 ms
        write(new RevocationMessage.TokenRevoked("lag-jti", clock.millis() + 60_000).issuedAt(clock.millis() - 300));

        await().atMost(Duration.ofSeconds(2)).until(() -> metric("portcullis_revocation_lag_seconds_count") == count + 1);
        assertThat(metric("portcullis_revocation_lag_seconds_bucket", "le=\"0.25\"")).isEqualTo(within250ms);
        assertThat(metric("portcullis_revocation_lag_seconds_bucket", "le=\"0.5\"")).isEqualTo(within500ms + 1);
    }

    @Test
    void aMessageOfAnIssuerThatSendsNoIssueInstantIsAppliedAndCountedAsUnmeasured() {
        double count = metric("portcullis_revocation_lag_seconds_count");
        double unmeasured = metric("portcullis_revocation_lag_unmeasured_total");
        String jti = "old-format-" + java.util.UUID.randomUUID();
        String token = tokens.forUser("u-old-issuer").jti(jti).sign();

        write(new RevocationMessage.TokenRevoked(jti, clock.millis() + 60_000));

        await().atMost(Duration.ofSeconds(1)).untilAsserted(() ->
                getWithToken("/api/users/me", token).exchange().expectStatus().isUnauthorized());
        await().atMost(Duration.ofSeconds(1)).until(() -> metric("portcullis_revocation_lag_unmeasured_total") == unmeasured + 1);
        assertThat(metric("portcullis_revocation_lag_seconds_count")).isEqualTo(count);
    }

    @Test
    void theChannelsLastSignOfLifeIsYoungerThanTheOneSecondPromiseWhileRedisAnswers() {
        await().atMost(Duration.ofSeconds(5)).until(() -> metric("portcullis_revocation_view_heartbeat_age_seconds") < 0.5);
        assertThat(metric("portcullis_revocation_view_heartbeat_age_seconds")).isLessThan(1.0);
    }
}
