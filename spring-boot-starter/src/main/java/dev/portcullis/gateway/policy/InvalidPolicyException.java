package dev.portcullis.gateway.policy;

/** A route policy that cannot be enforced as written; the message names the property. */
public final class InvalidPolicyException extends IllegalStateException {

    private final String property;
    private final String reason;

    public InvalidPolicyException(String property, String problem) {
        super("Invalid route policy at '" + property + "': " + problem);
        this.property = property;
        this.reason = problem;
    }

    /** What is wrong, without the property. */
    public String reason() {
        return reason;
    }

    public String property() {
        return property;
    }
}
