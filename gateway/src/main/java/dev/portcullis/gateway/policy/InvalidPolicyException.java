package dev.portcullis.gateway.policy;

/** A route policy that cannot be enforced as written; the message names the property. */
public final class InvalidPolicyException extends IllegalStateException {

    private final String property;

    public InvalidPolicyException(String property, String problem) {
        super("Invalid route policy at '" + property + "': " + problem);
        this.property = property;
    }

    public String property() {
        return property;
    }
}
