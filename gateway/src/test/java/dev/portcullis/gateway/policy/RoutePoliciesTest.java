package dev.portcullis.gateway.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.gateway.token.VerifiedToken;
import dev.portcullis.gateway.web.RejectionReason;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.http.HttpMethod;

class RoutePoliciesTest {

    private static final String R0 = "spring.cloud.gateway.server.webflux.routes[0]";

    @Test
    void aRouteWithoutPolicyRequiresAValidTokenAndNothingMore() {
        RoutePolicy policy = load(route()).forRoute("orders");

        AccessRule rule = policy.ruleFor(HttpMethod.DELETE);
        assertThat(rule.publicAccess()).isFalse();
        assertThat(rule.check(token("user", List.of()))).isNull();
        assertThat(policy.forwardAuthorization()).isTrue();
        assertThat(policy.revocationFailOpen()).isFalse();
    }

    @Test
    void aRouteNobodyConfiguredIsAuthenticatedToo() {
        assertThat(load(route()).forRoute("declared-in-java").ruleFor(HttpMethod.GET).publicAccess()).isFalse();
    }

    @Test
    void methodRulesDecideForTheirMethodsAndTheRouteRuleForTheRestWhenTheRouteSaysSo() {
        Map<String, Object> props = route();
        props.put(R0 + ".metadata.policy.roles[0]", "admin");
        props.put(R0 + ".metadata.policy.unlisted-methods", "route-rule");
        props.put(R0 + ".metadata.policy.access[0].methods[0]", "GET");
        props.put(R0 + ".metadata.policy.access[0].public", "true");
        props.put(R0 + ".metadata.policy.access[1].methods[0]", "POST");
        props.put(R0 + ".metadata.policy.access[1].permissions[0]", "orders:write");
        props.put(R0 + ".metadata.policy.access[1].permissions[1]", "orders:read");
        props.put(R0 + ".metadata.policy.access[1].mfa", "true");
        RoutePolicy policy = load(props).forRoute("orders");

        assertThat(policy.ruleFor(HttpMethod.GET).publicAccess()).isTrue();
        AccessRule post = policy.ruleFor(HttpMethod.POST);
        assertThat(post.check(token("user", List.of("orders:write"))).reason()).isEqualTo(RejectionReason.INSUFFICIENT_PERMISSIONS);
        assertThat(post.check(token("user", List.of("orders:write", "orders:read"))).reason()).isEqualTo(RejectionReason.MFA_REQUIRED);
        assertThat(post.check(mfaToken(List.of("orders:write", "orders:read")))).isNull();
        assertThat(policy.ruleFor(HttpMethod.DELETE).check(token("user", List.of())).reason())
                .isEqualTo(RejectionReason.INSUFFICIENT_PERMISSIONS);
        assertThat(policy.ruleFor(HttpMethod.DELETE).check(token("admin", List.of()))).isNull();
        assertThat(policy.allows(HttpMethod.DELETE)).isTrue();
    }

    @Test
    void methodsTheRulesDoNotNameAreRefusedByDefault() {
        Map<String, Object> props = route();
        props.put(R0 + ".metadata.policy.access[0].methods[0]", "GET");
        props.put(R0 + ".metadata.policy.access[0].methods[1]", "HEAD");
        props.put(R0 + ".metadata.policy.access[0].public", "true");
        props.put(R0 + ".metadata.policy.access[1].methods[0]", "POST");
        RoutePolicy policy = load(props).forRoute("orders");

        assertThat(policy.unlistedMethods()).isEqualTo(UnlistedMethods.REFUSE);
        assertThat(policy.allows(HttpMethod.GET)).isTrue();
        assertThat(policy.allows(HttpMethod.POST)).isTrue();
        assertThat(policy.allows(HttpMethod.DELETE)).isFalse();
        assertThat(policy.allows(HttpMethod.OPTIONS)).isFalse();
        assertThat(policy.allows(HttpMethod.valueOf("get"))).isFalse();
        assertThat(policy.allowHeader()).isEqualTo("GET, HEAD, POST");
    }

    @Test
    void aRouteWithoutMethodRulesServesEveryMethodUnderItsRouteRule() {
        RoutePolicy policy = load(route()).forRoute("orders");

        assertThat(policy.allows(HttpMethod.DELETE)).isTrue();
        assertThat(policy.allows(HttpMethod.valueOf("PROPFIND"))).isTrue();
    }

    @Test
    void methodsAreCaseSensitiveAndKeptAsWritten() {
        Map<String, Object> props = route();
        props.put(R0 + ".metadata.policy.access[0].methods[0]", "get");
        props.put(R0 + ".metadata.policy.access[0].public", "true");
        RoutePolicies policies = load(props);
        RoutePolicy policy = policies.forRoute("orders");

        assertThat(policy.ruleFor(HttpMethod.valueOf("get")).publicAccess()).isTrue();
        assertThat(policy.allows(HttpMethod.GET)).isFalse();
        assertThat(policy.ruleFor(HttpMethod.GET).publicAccess()).isFalse();
        assertThat(policies.listedMethods()).containsExactly("get");
    }

    @Test
    void theMethodsRoutesListIncludeThoseOfMethodPredicates() {
        Map<String, Object> props = route();
        props.put(R0 + ".predicates[1]", "Method=GET,PROPFIND");
        props.put(R0 + ".metadata.policy.access[0].methods[0]", "MKCOL");

        assertThat(load(props).listedMethods()).containsExactlyInAnyOrder("MKCOL", "GET", "PROPFIND");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"TRACE", "CONNECT"})
    void aRuleForTraceOrConnectFailsStartUp(String method) {
        Map<String, Object> props = route();
        props.put(R0 + ".metadata.policy.access[0].methods[0]", method);

        assertThatThrownBy(() -> load(props)).hasMessageContaining(R0 + ".metadata.policy.access[0].methods[0]")
                .hasMessageContaining("never served");
    }

    @Test
    void aMethodPredicateForTraceFailsStartUp() {
        Map<String, Object> props = route();
        props.put(R0 + ".predicates[1]", "Method=GET,TRACE");

        assertThatThrownBy(() -> load(props)).hasMessageContaining(R0 + ".predicates[1]").hasMessageContaining("'TRACE'");
    }

    @Test
    void unlistedMethodsWithoutAccessRulesFailsStartUp() {
        Map<String, Object> props = route();
        props.put(R0 + ".metadata.policy.unlisted-methods", "refuse");

        assertThatThrownBy(() -> load(props)).hasMessageContaining(R0 + ".metadata.policy.unlisted-methods")
                .hasMessageContaining("only applies to a route with 'access' rules");
    }

    @Test
    void anUnknownUnlistedMethodsValueFailsStartUpNamingTheProperty() {
        Map<String, Object> props = route();
        props.put(R0 + ".metadata.policy.access[0].methods[0]", "GET");
        props.put(R0 + ".metadata.policy.unlisted-methods", "allow");

        assertThatThrownBy(() -> load(props)).hasStackTraceContaining(R0 + ".metadata.policy.unlisted-methods");
    }

    @Test
    void anyPermissionsNeedsOneOfThem() {
        Map<String, Object> props = route();
        props.put(R0 + ".metadata.policy.any-permissions[0]", "a:x");
        props.put(R0 + ".metadata.policy.any-permissions[1]", "b:x");
        AccessRule rule = load(props).forRoute("orders").ruleFor(HttpMethod.GET);

        assertThat(rule.check(token("user", List.of("b:x")))).isNull();
        assertThat(rule.check(token("user", List.of("c:x")))).isNotNull();
    }

    @Test
    void routeSettingsAreRead() {
        Map<String, Object> props = route();
        props.put(R0 + ".metadata.policy.forward-authorization", "false");
        props.put(R0 + ".metadata.policy.revocation-fail-open", "true");
        props.put(R0 + ".metadata.policy.rate-limit.requests", "5");
        props.put(R0 + ".metadata.policy.rate-limit.period", "10s");
        props.put(R0 + ".metadata.policy.retries", "0");
        RoutePolicy policy = load(props).forRoute("orders");

        assertThat(policy.forwardAuthorization()).isFalse();
        assertThat(policy.revocationFailOpen()).isTrue();
        assertThat(policy.rateLimit()).isEqualTo(new RateLimit(5, Duration.ofSeconds(10), 5));
        assertThat(policy.retries()).isZero();
    }

    @Test
    void aRouteNamesTheKeyItsIdentityIsSignedWithAndAMalformedNameFailsStartUp() {
        Map<String, Object> props = route();
        props.put(R0 + ".metadata.policy.identity-key", "orders");
        assertThat(load(props).forRoute("orders").identityKey()).isEqualTo("orders");
        assertThat(load(route()).forRoute("orders").identityKey()).isNull();

        props.put(R0 + ".metadata.policy.identity-key", "Orders Key");
        assertThatThrownBy(() -> load(props)).isInstanceOf(InvalidPolicyException.class)
                .hasMessageContaining(R0 + ".metadata.policy.identity-key");
    }

    @Test
    void aTypoInAPolicyKeyFailsStartUpNamingTheProperty() {
        Map<String, Object> props = route();
        props.put(R0 + ".metadata.policy.permision[0]", "orders:read");

        assertThatThrownBy(() -> load(props)).isInstanceOf(InvalidPolicyException.class)
                .hasMessageContaining(R0 + ".metadata.policy.permision[0]")
                .hasMessageContaining("unknown policy key 'permision'");
    }

    @Test
    void aTypoInsideAnAccessRuleFailsStartUp() {
        Map<String, Object> props = route();
        props.put(R0 + ".metadata.policy.access[0].methods[0]", "GET");
        props.put(R0 + ".metadata.policy.access[0].role[0]", "admin");

        assertThatThrownBy(() -> load(props)).hasMessageContaining("access[0].role[0]").hasMessageContaining("unknown access-rule key");
    }

    @Test
    void aMethodThatIsNotAnHttpTokenFailsStartUp() {
        Map<String, Object> props = route();
        props.put(R0 + ".metadata.policy.access[0].methods[0]", "GE(T");

        assertThatThrownBy(() -> load(props)).hasMessageContaining(R0 + ".metadata.policy.access[0].methods[0]")
                .hasMessageContaining("'GE(T' is not an HTTP method");
    }

    @Test
    void aPublicRuleThatAlsoRequiresPermissionsFailsStartUp() {
        Map<String, Object> props = route();
        props.put(R0 + ".metadata.policy.public", "true");
        props.put(R0 + ".metadata.policy.permissions[0]", "orders:read");

        assertThatThrownBy(() -> load(props)).hasMessageContaining(R0 + ".metadata.policy.public")
                .hasMessageContaining("public rule cannot also require");
    }

    @Test
    void aRateLimitWithoutAPeriodFailsStartUp() {
        Map<String, Object> props = route();
        props.put(R0 + ".metadata.policy.rate-limit.requests", "5");

        assertThatThrownBy(() -> load(props)).hasMessageContaining(R0 + ".metadata.policy.rate-limit.period");
    }

    @Test
    void aValueOfTheWrongTypeFailsStartUpNamingTheProperty() {
        Map<String, Object> props = route();
        props.put(R0 + ".metadata.policy.mfa", "sometimes");

        assertThatThrownBy(() -> load(props)).hasStackTraceContaining(R0 + ".metadata.policy.mfa");
    }

    @Test
    void anAccessRuleWithoutMethodsFailsStartUp() {
        Map<String, Object> props = route();
        props.put(R0 + ".metadata.policy.access[0].public", "true");

        assertThatThrownBy(() -> load(props)).hasMessageContaining("access[0].methods");
    }

    @Test
    void aRouteWithoutIdFailsStartUp() {
        Map<String, Object> props = new LinkedHashMap<>();
        props.put(R0 + ".uri", "http://localhost:1");
        props.put(R0 + ".predicates[0]", "Path=/x/**");

        assertThatThrownBy(() -> load(props)).hasMessageContaining(R0 + ".id");
    }

    @Test
    void aPolicyMayNameOnlyConfiguredIssuersAndIdentityKeys() {
        Map<String, Object> props = route();
        props.put(R0 + ".metadata.policy.issuers[0]", "corp-keycloak");
        RoutePolicies.Context context = new RoutePolicies.Context(Set.of("portcullis", "corp-keycloak"), Set.of("orders"));
        RoutePolicy policy = RoutePolicies.load(gateway(props), context, new SimpleMeterRegistry()).forRoute("orders");
        assertThat(policy.accepts("corp-keycloak")).isTrue();
        assertThat(policy.accepts("portcullis")).isFalse();

        props.put(R0 + ".metadata.policy.issuers[0]", "corp-keycloack");
        assertThatThrownBy(() -> RoutePolicies.load(gateway(props), context, new SimpleMeterRegistry()))
                .isInstanceOf(InvalidPolicyException.class)
                .hasMessageContaining(R0 + ".metadata.policy.issuers[0]").hasMessageContaining("not a trusted issuer");

        props.remove(R0 + ".metadata.policy.issuers[0]");
        props.put(R0 + ".metadata.policy.identity-key", "users");
        assertThatThrownBy(() -> RoutePolicies.load(gateway(props), context, new SimpleMeterRegistry()))
                .hasMessageContaining(R0 + ".metadata.policy.identity-key")
                .hasMessageContaining("portcullis.identity.signing.keys.users is not set");
    }

    @Test
    void withoutIssuersARouteAcceptsEveryTrustedIssuer() {
        assertThat(load(route()).forRoute("orders").accepts("anyone-configured")).isTrue();
    }

    @Test
    void aReloadReplacesThePoliciesOnlyWhenEveryRouteCompiles() {
        Map<String, Object> props = route();
        props.put(R0 + ".metadata.policy.roles[0]", "user");
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        RoutePolicies policies = RoutePolicies.load(gateway(props), RoutePolicies.Context.ANY, meters);
        Route orders = dslRoute("orders", Map.of("roles", List.of("admin")));
        Route reports = dslRoute("reports", Map.of("public", true));

        assertThat(policies.reload(List.of(orders, reports), gateway(route()))).isTrue();
        assertThat(policies.forRoute(orders).ruleFor(HttpMethod.GET).roles()).containsExactly("admin");
        assertThat(policies.forRoute(reports).ruleFor(HttpMethod.GET).publicAccess()).isTrue();

        Route ordersTypo = dslRoute("orders", Map.of("rolez", List.of("nobody")));
        Route audit = dslRoute("audit", Map.of("public", true, "roles", List.of("x")));
        assertThat(policies.reload(List.of(ordersTypo, audit), gateway(route()))).isFalse();
        assertThat(meters.get("portcullis.policies.reloads").tag("outcome", "rejected").counter().count()).isEqualTo(1.0);
        // the route keeps the policy it had; a route the rejected change added is refused until a valid one comes
        assertThat(policies.forRoute(ordersTypo).ruleFor(HttpMethod.GET).roles()).containsExactly("admin");
        assertThat(policies.forRoute(audit).unavailable()).isTrue();
        assertThat(policies.forRoute("reports").ruleFor(HttpMethod.GET).publicAccess()).isTrue();
    }

    @Test
    void aRouteOfTheApplicationsOwnLocatorGetsThePolicyOfItsMetadata() {
        RoutePolicies policies = load(route());
        Route dsl = dslRoute("java-dsl", Map.of("permissions", List.of("reports:read")));

        RoutePolicy policy = policies.forRoute(dsl);

        assertThat(policy.ruleFor(HttpMethod.GET).permissions()).containsExactly("reports:read");
        assertThat(policies.forRoute(dsl)).isSameAs(policy);
        assertThat(policies.forRoute(dslRoute("java-dsl-typo", Map.of("permission", List.of("x")))).unavailable()).isTrue();
    }

    private static Route dslRoute(String id, Map<String, Object> policy) {
        return Route.async().id(id).uri("http://localhost:9999").predicate(exchange -> true)
                .metadata(Map.of("policy", policy)).build();
    }

    private static GatewayProperties gateway(Map<String, Object> properties) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("test", properties));
        return Binder.get(environment).bind(GatewayProperties.PREFIX, GatewayProperties.class).orElseGet(GatewayProperties::new);
    }

    private static Map<String, Object> route() {
        Map<String, Object> props = new LinkedHashMap<>();
        props.put(R0 + ".id", "orders");
        props.put(R0 + ".uri", "http://localhost:8083");
        props.put(R0 + ".predicates[0]", "Path=/api/orders/**");
        return props;
    }

    private static RoutePolicies load(Map<String, Object> properties) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("test", properties));
        GatewayProperties gateway = Binder.get(environment).bind(GatewayProperties.PREFIX, GatewayProperties.class)
                .orElseGet(GatewayProperties::new);
        if (!properties.containsKey(R0 + ".id")) {
            gateway.getRoutes().forEach(route -> route.setId(null));
        }
        return RoutePolicies.load(gateway);
    }

    private static VerifiedToken token(String role, List<String> permissions) {
        return VerifiedToken.of("u-1", "j-1", Instant.now().getEpochSecond(), Instant.now().plusSeconds(600), role,
                permissions, List.of(), List.of("pwd"), "web");
    }

    private static VerifiedToken mfaToken(List<String> permissions) {
        return VerifiedToken.of("u-1", "j-1", Instant.now().getEpochSecond(), Instant.now().plusSeconds(600), "user",
                permissions, List.of(), List.of("pwd", "mfa"), "web");
    }
}
