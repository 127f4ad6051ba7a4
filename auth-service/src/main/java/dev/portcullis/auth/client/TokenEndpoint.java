package dev.portcullis.auth.client;

import java.util.List;

/**
 * What {@code /oauth2/token} accepts, in one place: the endpoint checks requests against it and the discovery
 * document advertises exactly it, so the two cannot drift apart.
 */
public final class TokenEndpoint {

    /** The path, under the issuer. */
    public static final String PATH = "/oauth2/token";

    /** The only grant type (RFC 6749 §4.4). */
    public static final String CLIENT_CREDENTIALS = "client_credentials";

    /** Grant types accepted. */
    public static final List<String> GRANT_TYPES = List.of(CLIENT_CREDENTIALS);

    /** Client authentication methods accepted (RFC 8414 names): HTTP Basic only, never secrets in the form. */
    public static final List<String> AUTH_METHODS = List.of("client_secret_basic");

    private TokenEndpoint() {
    }
}
