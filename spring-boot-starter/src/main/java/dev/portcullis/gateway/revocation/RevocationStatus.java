package dev.portcullis.gateway.revocation;

/** What the revocation set says of a token. */
public enum RevocationStatus {
    /** Not revoked. */
    ACTIVE,
    /** This token's jti was revoked (logout). */
    REVOKED_TOKEN,
    /** The user revoked every token issued before a point in time (revoke-all). */
    REVOKED_SUBJECT,
    /** The revocation set cannot be read: the caller decides whether to fail closed (default) or open. */
    UNKNOWN;

    public String tag() {
        return switch (this) {
            case ACTIVE -> "active";
            case REVOKED_TOKEN, REVOKED_SUBJECT -> "revoked";
            case UNKNOWN -> "unknown";
        };
    }
}
