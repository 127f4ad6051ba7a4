package dev.portcullis.gateway.policy;

import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.portcullis.gateway.support.GatewayIntegrationTest;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A route's {@code shadow-policy} is decided on every request and never enforced: the response is always the live
 * policy's, and every request where the two decide differently is counted in
 * {@code portcullis.policies.shadow_mismatches{route, reason}} and noted on its access-log line.
 */
class ShadowPolicyIntegrationTest extends GatewayIntegrationTest {

    private static final String MISMATCHES = "portcullis_policies_shadow_mismatches_total";

    private final ListAppender<ILoggingEvent> accessLines = new ListAppender<>();
    private final Logger accessLog = (Logger) LoggerFactory.getLogger("portcullis.access");

    @BeforeEach
    void captureAccessLog() {
        accessLines.start();
        accessLog.addAppender(accessLines);
    }

    @AfterEach
    void releaseAccessLog() {
        accessLog.detachAppender(accessLines);
    }

    @Test
    void aTighteningInShadowRefusesNothingButCountsAndLogsWhatItWouldRefuse() {
        String reader = tokens.forUser("u-reader").permissions("reports:read").sign();
        String steppedUp = tokens.forUser("u-mfa").permissions("reports:read").amr("pwd", "mfa", "otp").sign();
        double before = mismatches("it-shadow-tighten", "mfa_required");

        getWithToken("/it/shadow-tighten/1", reader).exchange().expectStatus().isOk();
        getWithToken("/it/shadow-tighten/2", reader).exchange().expectStatus().isOk();
        getWithToken("/it/shadow-tighten/3", steppedUp).exchange().expectStatus().isOk();

        assertThat(mismatches("it-shadow-tighten", "mfa_required")).isEqualTo(before + 2);
        assertThat(upstream.findAll(getRequestedFor(urlPathEqualTo("/it/shadow-tighten/1")))).hasSize(1);
        assertThat(upstream.findAll(getRequestedFor(urlPathEqualTo("/it/shadow-tighten/2")))).hasSize(1);
        assertThat(upstream.findAll(getRequestedFor(urlPathEqualTo("/it/shadow-tighten/3")))).hasSize(1);
        awaitAccessLine("/it/shadow-tighten/1", "status=200", "note=shadow:mfa_required");
        awaitAccessLine("/it/shadow-tighten/3", "status=200");
        assertThat(accessLine("/it/shadow-tighten/3")).doesNotContain("note=");
    }

    @Test
    void aLooseningInShadowCountsTheRequestsItWouldAllowWhileTheLivePolicyStillRefusesThem() {
        String support = tokens.forUser("u-support").role("support").sign();
        String admin = tokens.forUser("u-admin").role("admin").sign();
        double before = mismatches("it-shadow-loosen", "would_allow");

        getWithToken("/it/shadow-loosen/1", support).exchange().expectStatus().isForbidden();
        getWithToken("/it/shadow-loosen/2", admin).exchange().expectStatus().isOk();

        assertThat(mismatches("it-shadow-loosen", "would_allow")).isEqualTo(before + 1);
        assertThat(upstream.findAll(getRequestedFor(urlPathEqualTo("/it/shadow-loosen/1")))).isEmpty();
        assertThat(upstream.findAll(getRequestedFor(urlPathEqualTo("/it/shadow-loosen/2")))).hasSize(1);
        awaitAccessLine("/it/shadow-loosen/1", "status=403", "reason=insufficient_permissions", "note=shadow:would_allow");
    }

    @Test
    void onAPublicRouteTheShadowJudgesTheTokenWhenOneIsSentAndCountsMissingWhenNot() {
        String withScope = tokens.forUser("u-1").scope("reports").sign();
        String withoutScope = tokens.forUser("u-2").scope("other").sign();
        double missing = mismatches("it-shadow-public", "missing");
        double forbidden = mismatches("it-shadow-public", "insufficient_permissions");

        client.get().uri("/it/shadow-public/anonymous").exchange().expectStatus().isOk();
        getWithToken("/it/shadow-public/scoped", withScope).exchange().expectStatus().isOk();
        getWithToken("/it/shadow-public/unscoped", withoutScope).exchange().expectStatus().isOk();
        getWithToken("/it/shadow-public/garbage", "not-a-token").exchange().expectStatus().isOk();

        assertThat(mismatches("it-shadow-public", "missing")).isEqualTo(missing + 1);
        assertThat(mismatches("it-shadow-public", "insufficient_permissions")).isEqualTo(forbidden + 1);
        assertThat(mismatches("it-shadow-public", "malformed")).isPositive();
        // the live policy is public: no identity goes upstream, whatever the shadow policy made of the token
        assertThat(upstream.findAll(getRequestedFor(urlPathEqualTo("/it/shadow-public/scoped"))))
                .singleElement().satisfies(request -> assertThat(request.getHeader("x-user-id")).isNull());
        awaitAccessLine("/it/shadow-public/anonymous", "status=200", "note=shadow:missing");
    }

    private double mismatches(String route, String reason) {
        return metric(MISMATCHES, "route=\"" + route + "\"", "reason=\"" + reason + "\"");
    }

    private void awaitAccessLine(String path, String... parts) {
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(accessLine(path)).contains(parts));
    }

    private String accessLine(String path) {
        return accessLines.list.stream().map(ILoggingEvent::getFormattedMessage)
                .filter(line -> line.contains("path=\"" + path + "\"")).findFirst().orElse("");
    }
}
