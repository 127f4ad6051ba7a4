package dev.portcullis.gateway.policy;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.context.properties.bind.Name;

/**
 * The YAML shape of a route's {@code metadata.policy}, as platform teams write it next to the route. Bound with the
 * configuration binder so that a wrong value fails start-up with the full property name. The keys a policy may use
 * are this record's components and its nested records' ({@link RoutePolicyBinder#KEYS}): nothing lists them by hand.
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
