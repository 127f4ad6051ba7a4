package dev.portcullis.contract;

/**
 * Names of the access-token claims and header values the issuer writes and the gateway checks
 * (docs/contract.md, "Access token"). One place, so that neither side can rename a claim alone.
 */
public final class TokenClaims {

    /** The JOSE {@code typ} of an access token (RFC 9068). */
    public static final String ACCESS_TOKEN_TYPE = "at+jwt";

    public static final String ISSUER = "iss";
    public static final String SUBJECT = "sub";
    public static final String AUDIENCE = "aud";
    public static final String EXPIRES_AT = "exp";
    public static final String ISSUED_AT = "iat";
    public static final String NOT_BEFORE = "nbf";
    public static final String TOKEN_ID = "jti";
    public static final String CLIENT_ID = "client_id";
    public static final String USERNAME = "username";
    public static final String ROLE = "role";
    /** Array of strings such as {@code orders:read}. */
    public static final String PERMISSIONS = "permissions";
    /** Space-separated scopes (RFC 8693 / RFC 9068). */
    public static final String SCOPE = "scope";
    /** Authentication methods references (RFC 8176), an array of strings. */
    public static final String AUTH_METHODS = "amr";
    /** Authentication context class ({@code acr}, OpenID Connect Core 2): an issuer may map values of it to MFA. */
    public static final String AUTH_CONTEXT = "acr";

    /**
     * When the user authenticated (OpenID Connect Core 2, RFC 9470), epoch seconds: the password login, or the TOTP
     * step-up; a refresh keeps the login's.
     */
    public static final String AUTH_TIME = "auth_time";

    /**
     * Confirmation (RFC 7800): on a DPoP-bound token (RFC 9449 section 6) an object whose {@link #CONFIRMATION_THUMBPRINT}
     * is the SHA-256 JWK thumbprint (RFC 7638) of the client's key.
     */
    public static final String CONFIRMATION = "cnf";
    /** {@code cnf.jkt}: the thumbprint of the key a DPoP-bound token is bound to. */
    public static final String CONFIRMATION_THUMBPRINT = "jkt";
    /** The {@code token_type} of a DPoP-bound access token in a token response. */
    public static final String TOKEN_TYPE_DPOP = "DPoP";

    /** The {@code acr} of a token whose user completed the TOTP step-up ({@code POST /auth/mfa/verify}). */
    public static final String ACR_MFA = "urn:portcullis:acr:mfa";
    /** The {@code acr} of a token from a password login (or a refresh of one). */
    public static final String ACR_PASSWORD = "urn:portcullis:acr:pwd";

    /** The {@code amr} value that proves a completed TOTP step-up. */
    public static final String AMR_MFA = "mfa";
    /** The {@code amr} value of a password login. */
    public static final String AMR_PASSWORD = "pwd";
    /** The {@code amr} value of a one-time-password check (RFC 8176). */
    public static final String AMR_OTP = "otp";

    private TokenClaims() {
    }
}
