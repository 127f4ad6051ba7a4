package dev.portcullis.gateway.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpMethod;

/** Compiling bound policy metadata: what the binder cannot check is refused with the exact property. */
class RoutePolicyCompilerTest {

    private static final String POLICY = "route.metadata.policy";
    private static final RoutePolicies.Context CONFIGURED = new RoutePolicies.Context(Set.of("portcullis"), Set.of("orders"));

    private static RoutePolicy compile(Map<String, Object> metadata, RoutePolicies.Context context) {
        return RoutePolicyCompiler.compile("orders", RoutePolicyBinder.bind("route.metadata", "policy", metadata), POLICY,
                context);
    }

    @Test
    void methodRulesAndTheRouteRuleCompileIntoThePolicy() {
        RoutePolicy policy = compile(Map.of("roles", List.of("admin"), "unlisted-methods", "route-rule",
                "access", List.of(Map.of("methods", List.of("GET"), "public", true))), CONFIGURED);

        assertThat(policy.routeId()).isEqualTo("orders");
        assertThat(policy.ruleFor(HttpMethod.GET).publicAccess()).isTrue();
        assertThat(policy.ruleFor(HttpMethod.DELETE).roles()).containsExactly("admin");
        assertThat(policy.unlistedMethods()).isEqualTo(UnlistedMethods.ROUTE_RULE);
    }

    @Test
    void aPublicRuleThatAlsoAsksForRolesIsRefusedAtItsPublicKey() {
        assertThatThrownBy(() -> compile(Map.of("public", true, "roles", List.of("admin")), CONFIGURED))
                .isInstanceOfSatisfying(InvalidPolicyException.class,
                        e -> assertThat(e.property()).isEqualTo(POLICY + ".public"));
    }

    @Test
    void traceIsNeverServedAndARuleWithoutMethodsIsRefused() {
        assertThatThrownBy(() -> compile(Map.of("access", List.of(Map.of("methods", List.of("TRACE")))), CONFIGURED))
                .isInstanceOfSatisfying(InvalidPolicyException.class,
                        e -> assertThat(e.property()).isEqualTo(POLICY + ".access[0].methods[0]"));
        assertThatThrownBy(() -> compile(Map.of("access", List.of(Map.of("roles", List.of("admin")))), CONFIGURED))
                .isInstanceOfSatisfying(InvalidPolicyException.class,
                        e -> assertThat(e.property()).isEqualTo(POLICY + ".access[0].methods"));
    }

    @Test
    void anIssuerOrIdentityKeyThatIsNotConfiguredIsRefusedByName() {
        assertThatThrownBy(() -> compile(Map.of("issuers", List.of("portcullis", "corp")), CONFIGURED))
                .isInstanceOfSatisfying(InvalidPolicyException.class,
                        e -> assertThat(e.property()).isEqualTo(POLICY + ".issuers[1]"));
        assertThatThrownBy(() -> compile(Map.of("identity-key", "billing"), CONFIGURED))
                .isInstanceOfSatisfying(InvalidPolicyException.class,
                        e -> assertThat(e.property()).isEqualTo(POLICY + ".identity-key"));
        assertThat(compile(Map.of("issuers", List.of("corp")), RoutePolicies.Context.ANY).issuers()).containsExactly("corp");
    }

    @Test
    void aRateLimitNeedsAPositiveNumberOfRequestsAndAPeriod() {
        assertThatThrownBy(() -> compile(Map.of("rate-limit", Map.of("requests", 10)), CONFIGURED))
                .isInstanceOfSatisfying(InvalidPolicyException.class,
                        e -> assertThat(e.property()).isEqualTo(POLICY + ".rate-limit.period"));
        RoutePolicy limited = compile(Map.of("rate-limit", Map.of("requests", 10, "period", "1s")), CONFIGURED);
        assertThat(limited.rateLimit().requests()).isEqualTo(10);
        assertThat(limited.rateLimit().burst()).isEqualTo(10);
    }

    @Test
    void aShadowPolicyIsCompiledNextToTheLiveOne() {
        RoutePolicy policy = RoutePolicyCompiler.compileMetadata("orders", Map.of(
                "policy", Map.of("public", true),
                "shadow-policy", Map.of("roles", List.of("admin"))), "route.metadata", CONFIGURED);

        assertThat(policy.ruleFor(HttpMethod.GET).publicAccess()).isTrue();
        assertThat(policy.shadow().ruleFor(HttpMethod.GET).roles()).containsExactly("admin");
    }
}
