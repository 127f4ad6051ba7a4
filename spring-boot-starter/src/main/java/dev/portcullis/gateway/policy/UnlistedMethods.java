package dev.portcullis.gateway.policy;

/**
 * What a route with {@code access} rules does with a method none of them names ({@code metadata.policy.unlisted-methods}).
 * Written down because the two readings of "no rule for this method" protect very differently: a team that wrote rules
 * for GET and POST did not think about {@code PROPFIND} or a lowercase {@code get}.
 */
public enum UnlistedMethods {
    /** The default: 405 with {@code Allow} listing the methods the rules name. */
    REFUSE,
    /** The route-level rule (the keys directly under {@code metadata.policy}) decides. */
    ROUTE_RULE
}
