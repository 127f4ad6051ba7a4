package dev.portcullis.gateway.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.gateway.security.JwtProperties;
import dev.portcullis.gateway.token.VerifiedToken;
import dev.portcullis.gateway.web.Rejection;
import dev.portcullis.gateway.web.RejectionReason;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.http.HttpMethod;

/** The policy language of RFC 9470 step-up ({@code acr}, {@code max-age}) and of {@code shadow-policy}. */
class StepUpAndShadowPoliciesTest {

    private static final String R0 = "spring.cloud.gateway.server.webflux.routes[0]";
    private static final Instant NOW = Instant.parse("2026-12-02T03:00:00Z");

    @Test
    void acrAndMaxAgeAtRouteLevelAndInAccessRulesCompileAndDecideAtTheGivenInstant() {
        Map<String, Object> props = route();
        props.put(R0 + ".metadata.policy.acr[0]", "urn:portcullis:acr:mfa");
        props.put(R0 + ".metadata.policy.unlisted-methods", "route-rule");
        props.put(R0 + ".metadata.policy.access[0].methods[0]", "DELETE");
        props.put(R0 + ".metadata.policy.access[0].max-age", "5m");
        RoutePolicy policy = RoutePolicies.load(gateway(props)).forRoute("orders");

        AccessRule get = policy.ruleFor(HttpMethod.GET);
        assertThat(get.check(token("urn:portcullis:acr:pwd", NOW), NOW).reason())
                .isEqualTo(RejectionReason.INSUFFICIENT_USER_AUTHENTICATION);
        assertThat(get.check(token("urn:portcullis:acr:mfa", NOW), NOW)).isNull();

        AccessRule delete = policy.ruleFor(HttpMethod.DELETE);
        assertThat(delete.maxAge()).isEqualTo(Duration.ofMinutes(5));
        assertThat(delete.check(token(null, NOW.minusSeconds(300)), NOW)).isNull();
        Rejection old = delete.check(token(null, NOW.minusSeconds(301)), NOW);
        assertThat(old.reason()).isEqualTo(RejectionReason.INSUFFICIENT_USER_AUTHENTICATION);
        assertThat(old.challenge()).isEqualTo("max_age=300");
        assertThat(delete.check(token(null, null), NOW).detail()).contains("does not say when the user authenticated");
    }

    @Test
    void whatSteppingUpCannotFixIsAnswered403BeforeTheStepUpChallenge() {
        Map<String, Object> props = route();
        props.put(R0 + ".metadata.policy.permissions[0]", "orders:write");
        props.put(R0 + ".metadata.policy.max-age", "1m");
        AccessRule rule = RoutePolicies.load(gateway(props)).forRoute("orders").ruleFor(HttpMethod.POST);

        assertThat(rule.check(token(null, null), NOW).reason()).isEqualTo(RejectionReason.INSUFFICIENT_PERMISSIONS);
    }

    @Test
    void aPublicRuleCannotAskForAcrOrMaxAge() {
        Map<String, Object> props = route();
        props.put(R0 + ".metadata.policy.access[0].methods[0]", "GET");
        props.put(R0 + ".metadata.policy.access[0].public", "true");
        props.put(R0 + ".metadata.policy.access[0].max-age", "5m");

        assertThatThrownBy(() -> RoutePolicies.load(gateway(props)))
                .hasMessageContaining(R0 + ".metadata.policy.access[0].public").hasMessageContaining("max-age");
    }

    @Test
    void aMaxAgeUnderOneSecondOrAnAcrValueThatWouldBreakTheChallengeFailsStartUpNamingTheProperty() {
        Map<String, Object> zero = route();
        zero.put(R0 + ".metadata.policy.max-age", "0s");
        assertThatThrownBy(() -> RoutePolicies.load(gateway(zero))).hasMessageContaining(R0 + ".metadata.policy.max-age");

        Map<String, Object> quoted = route();
        quoted.put(R0 + ".metadata.policy.acr[0]", "gold\"level");
        assertThatThrownBy(() -> RoutePolicies.load(gateway(quoted))).hasMessageContaining(R0 + ".metadata.policy.acr[0]");
    }

    @Test
    void aShadowPolicyIsCompiledNextToTheLiveOneAndNeverReplacesIt() {
        Map<String, Object> props = route();
        props.put(R0 + ".metadata.policy.permissions[0]", "orders:read");
        props.put(R0 + ".metadata.shadow-policy.permissions[0]", "orders:read");
        props.put(R0 + ".metadata.shadow-policy.mfa", "true");
        RoutePolicy policy = RoutePolicies.load(gateway(props)).forRoute("orders");

        assertThat(policy.ruleFor(HttpMethod.GET).mfa()).isFalse();
        assertThat(policy.shadow()).isNotNull();
        assertThat(policy.shadow().ruleFor(HttpMethod.GET).mfa()).isTrue();
        assertThat(policy.shadow().shadow()).isNull();
    }

    @Test
    void anInvalidShadowPolicyFailsStartUpWithItsPropertyPath() {
        Map<String, Object> typo = route();
        typo.put(R0 + ".metadata.shadow-policy.permision[0]", "orders:read");
        assertThatThrownBy(() -> RoutePolicies.load(gateway(typo)))
                .hasMessageContaining(R0 + ".metadata.shadow-policy.permision[0]").hasMessageContaining("unknown policy key");

        Map<String, Object> publicWithPermissions = route();
        publicWithPermissions.put(R0 + ".metadata.shadow-policy.public", "true");
        publicWithPermissions.put(R0 + ".metadata.shadow-policy.acr[0]", "urn:portcullis:acr:mfa");
        assertThatThrownBy(() -> RoutePolicies.load(gateway(publicWithPermissions)))
                .hasMessageContaining(R0 + ".metadata.shadow-policy.public");
    }

    @Test
    void theShadowMonitorCountsOnlyDecisionsThatDiffer() {
        var meters = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        ShadowPolicyMonitor monitor = new ShadowPolicyMonitor(meters);
        var exchange = org.springframework.mock.web.server.MockServerWebExchange.from(
                org.springframework.mock.http.server.reactive.MockServerHttpRequest.get("/x"));
        Rejection forbidden = Rejection.of(RejectionReason.INSUFFICIENT_PERMISSIONS, "no");
        Rejection mfa = Rejection.of(RejectionReason.MFA_REQUIRED, "no");

        assertThat(monitor.compare(exchange, "r", null, null)).isFalse();
        assertThat(monitor.compare(exchange, "r", forbidden, Rejection.of(RejectionReason.INSUFFICIENT_PERMISSIONS, "x"))).isFalse();
        assertThat(monitor.compare(exchange, "r", null, mfa)).isTrue();
        assertThat(monitor.compare(exchange, "r", forbidden, null)).isTrue();
        assertThat(monitor.compare(exchange, "r", forbidden, mfa)).isTrue();

        assertThat(meters.counter("portcullis.policies.shadow_mismatches", "route", "r", "reason", "mfa_required").count())
                .isEqualTo(2);
        assertThat(meters.counter("portcullis.policies.shadow_mismatches", "route", "r", "reason", "would_allow").count())
                .isEqualTo(1);
        assertThat((String) exchange.getAttribute(dev.portcullis.gateway.web.EdgeAttributes.NOTE))
                .isEqualTo("shadow:mfa_required,shadow:would_allow,shadow:mfa_required");
    }

    private static VerifiedToken token(String acr, Instant authTime) {
        return VerifiedToken.of(JwtProperties.DEFAULT_ISSUER_ID, null, "u-1", "j-1", NOW.getEpochSecond(), NOW.plusSeconds(600),
                List.of("user"), List.of(), List.of(), List.of("pwd"), false, "web", acr, authTime);
    }

    private static Map<String, Object> route() {
        Map<String, Object> props = new LinkedHashMap<>();
        props.put(R0 + ".id", "orders");
        props.put(R0 + ".uri", "http://localhost:8083");
        props.put(R0 + ".predicates[0]", "Path=/api/orders/**");
        return props;
    }

    private static GatewayProperties gateway(Map<String, Object> properties) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("test", properties));
        return Binder.get(environment).bind(GatewayProperties.PREFIX, GatewayProperties.class).orElseGet(GatewayProperties::new);
    }
}
