package dev.portcullis.contract;

/**
 * The one bound on access-token lifetime that the issuer and the gateway share. The gateway refuses any token whose
 * {@code exp - iat} exceeds it and keeps revoke-all markers at least that long; the auth service refuses to start with
 * an access-token (or client-token) lifetime above it. Both read it from the same environment variable, so an
 * operator sets it once.
 */
public final class TokenLifetime {

    /** Environment variable both sides read: {@code AUTH_MAX_TOKEN_LIFETIME} (a Spring duration, e.g. {@code 1h}). */
    public static final String ENVIRONMENT_VARIABLE = "AUTH_MAX_TOKEN_LIFETIME";

    /** Default of the bound when the variable is not set: one hour. */
    public static final String DEFAULT_MAX = "1h";

    private TokenLifetime() {
    }
}
