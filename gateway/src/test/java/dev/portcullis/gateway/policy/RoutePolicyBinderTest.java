package dev.portcullis.gateway.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Name;

/** Binding a route's policy metadata: the known keys come from the records, and every other key is refused by name. */
class RoutePolicyBinderTest {

    private static final String METADATA = "spring.cloud.gateway.server.webflux.routes[0].metadata";

    record Sample(@Name("public") boolean publicAccess, List<String> anyPermissions, Duration maxAge) {
    }

    @Test
    void theKnownKeysAreARecordsComponentsInDashedFormOrTheirNames() {
        assertThat(RoutePolicyBinder.keysOf(Sample.class)).containsExactly("public", "any-permissions", "max-age");
    }

    @Test
    void everyPolicyRecordComponentIsAKnownKey() {
        assertThat(RoutePolicyBinder.KEYS).hasSize(PolicyProperties.class.getRecordComponents().length)
                .contains("public", "any-permissions", "revocation-fail-open", "rate-limit", "identity-key", "issuers");
        assertThat(RoutePolicyBinder.RULE_KEYS).startsWith("methods", "public").doesNotContain("rate-limit");
        assertThat(RoutePolicyBinder.RATE_LIMIT_KEYS).containsExactly("enabled", "requests", "period", "burst");
    }

    @Test
    void nestedMapsAndListsBindToThePolicyRecord() {
        PolicyProperties bound = RoutePolicyBinder.bind(METADATA, "policy", Map.of(
                "roles", List.of("admin", "ops"),
                "any-permissions", Map.of("0", "orders:read"),
                "rate-limit", Map.of("requests", 5, "period", "1m"),
                "access", List.of(Map.of("methods", List.of("GET"), "public", true))));

        assertThat(bound.roles()).containsExactly("admin", "ops");
        assertThat(bound.anyPermissions()).containsExactly("orders:read");
        assertThat(bound.rateLimit().requests()).isEqualTo(5);
        assertThat(bound.rateLimit().period()).isEqualTo(Duration.ofMinutes(1));
        assertThat(bound.access()).singleElement().satisfies(rule -> {
            assertThat(rule.methods()).containsExactly("GET");
            assertThat(rule.publicAccess()).isTrue();
        });
    }

    @Test
    void aMisspeltKeyIsRefusedWithItsFullPropertyName() {
        assertThatThrownBy(() -> RoutePolicyBinder.bind(METADATA, "policy", Map.of("permision", List.of("orders:read"))))
                .isInstanceOfSatisfying(InvalidPolicyException.class, e -> {
                    assertThat(e.property()).isEqualTo(METADATA + ".policy.permision[0]");
                    assertThat(e.reason()).contains("unknown policy key 'permision'").contains("any-permissions");
                });
    }

    @Test
    void aMisspeltKeyInAnAccessRuleOrARateLimitIsRefusedToo() {
        assertThatThrownBy(() -> RoutePolicyBinder.bind(METADATA, "policy",
                Map.of("access", List.of(Map.of("methods", List.of("GET"), "role", "admin")))))
                .isInstanceOfSatisfying(InvalidPolicyException.class,
                        e -> assertThat(e.reason()).contains("unknown access-rule key 'role'"));
        assertThatThrownBy(() -> RoutePolicyBinder.bind(METADATA, "shadow-policy", Map.of("rate-limit", Map.of("limit", 5))))
                .isInstanceOfSatisfying(InvalidPolicyException.class, e -> {
                    assertThat(e.property()).isEqualTo(METADATA + ".shadow-policy.rate-limit.limit");
                    assertThat(e.reason()).contains("unknown rate-limit key 'limit'");
                });
    }
}
