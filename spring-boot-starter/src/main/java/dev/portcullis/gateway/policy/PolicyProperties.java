package dev.portcullis.gateway.policy;

import dev.portcullis.gateway.dpop.DpopRoutePolicy;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.context.properties.bind.Name;

/**
 * The YAML shape of a route's {@code metadata.policy}, as platform teams write it next to the route. Bound with the
 * configuration binder so that a wrong value fails start-up with the full property name.
 */
record PolicyProperties(
        @Name("public") @DefaultValue("false") boolean publicAccess,
        @DefaultValue List<String> roles,
        @DefaultValue List<String> permissions,
        @DefaultValue List<String> anyPermissions,
        @DefaultValue List<String> scopes,
        @DefaultValue("false") boolean mfa,
        @DefaultValue List<String> acr,
        Duration maxAge,
        @DefaultValue List<Rule> access,
        UnlistedMethods unlistedMethods,
        @DefaultValue("true") boolean forwardAuthorization,
        @DefaultValue("false") boolean revocationFailOpen,
        RateLimitProperties rateLimit,
        Integer retries,
        String identityKey,
        @DefaultValue List<String> issuers,
        @DefaultValue("optional") DpopRoutePolicy.Requirement dpop,
        @DefaultValue("false") boolean forwardDpopProof) {

    /** Keys allowed directly under {@code metadata.policy}; anything else is a typo and fails start-up. */
    static final List<String> KEYS = List.of("public", "roles", "permissions", "any-permissions", "scopes", "mfa", "acr", "max-age",
            "access", "unlisted-methods", "forward-authorization", "revocation-fail-open", "rate-limit", "retries", "identity-key", "issuers",
            "dpop", "forward-dpop-proof");
    /** Keys allowed in an {@code access[n]} rule. */
    static final List<String> RULE_KEYS = List.of("methods", "public", "roles", "permissions", "any-permissions", "scopes", "mfa", "acr",
            "max-age");
    /** Keys allowed under {@code rate-limit}. */
    static final List<String> RATE_LIMIT_KEYS = List.of("enabled", "requests", "period", "burst");

    record Rule(
            @DefaultValue List<String> methods,
            @Name("public") @DefaultValue("false") boolean publicAccess,
            @DefaultValue List<String> roles,
            @DefaultValue List<String> permissions,
            @DefaultValue List<String> anyPermissions,
            @DefaultValue List<String> scopes,
            @DefaultValue("false") boolean mfa,
            @DefaultValue List<String> acr,
            Duration maxAge) {
    }

    record RateLimitProperties(@DefaultValue("true") boolean enabled, Integer requests, Duration period, Integer burst) {
    }
}
