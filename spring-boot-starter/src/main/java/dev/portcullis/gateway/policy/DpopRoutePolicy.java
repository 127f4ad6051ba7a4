package dev.portcullis.gateway.policy;

/**
 * A route's DPoP rules, from its {@code metadata.policy}: {@code dpop: required} refuses unbound tokens (default
 * {@code optional}: a bound token is always held to its key, an unbound one is let through as a Bearer token), and
 * {@code forward-dpop-proof: true} passes the {@code DPoP} header on to an upstream that checks proofs itself (the auth
 * service); everywhere else the header is removed before forwarding.
 */
public record DpopRoutePolicy(boolean required, boolean forwardProof) {

    public static final DpopRoutePolicy DEFAULT = new DpopRoutePolicy(false, false);

    /** The values of {@code policy.dpop}. */
    public enum Requirement { OPTIONAL, REQUIRED }
}
