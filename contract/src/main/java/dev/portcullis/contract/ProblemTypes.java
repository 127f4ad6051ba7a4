package dev.portcullis.contract;

import java.net.URI;

/**
 * The {@code type} URIs of RFC 9457 problem documents that Portcullis components answer with. They identify a kind
 * of problem so that clients can branch on it; the README lists them.
 */
public final class ProblemTypes {

    private static final String BASE = "urn:portcullis:problem:";

    public static final URI INVALID_TOKEN = of("invalid-token");
    public static final URI INVALID_REQUEST = of("invalid-request");
    public static final URI INSUFFICIENT_SCOPE = of("insufficient-scope");
    /** RFC 9470: the authentication behind a valid token is too weak or too old for the resource. */
    public static final URI INSUFFICIENT_USER_AUTHENTICATION = of("insufficient-user-authentication");
    public static final URI RATE_LIMITED = of("rate-limited");
    public static final URI SERVICE_UNAVAILABLE = of("service-unavailable");
    public static final URI UPSTREAM_TIMEOUT = of("upstream-timeout");
    public static final URI NOT_FOUND = of("not-found");
    public static final URI BAD_REQUEST = of("bad-request");
    public static final URI HEADERS_TOO_LARGE = of("headers-too-large");
    public static final URI PAYLOAD_TOO_LARGE = of("payload-too-large");
    public static final URI UNSUPPORTED_MEDIA_TYPE = of("unsupported-media-type");
    public static final URI METHOD_NOT_ALLOWED = of("method-not-allowed");
    public static final URI INVALID_CREDENTIALS = of("invalid-credentials");
    public static final URI INTERNAL = of("internal-error");
    /** RFC 9449: the DPoP proof is missing, malformed, stale, replayed or made with another key than the token's. */
    public static final URI INVALID_DPOP_PROOF = of("invalid-dpop-proof");
    /** RFC 9449 section 8: retry with the server's {@code DPoP-Nonce} in the proof. */
    public static final URI USE_DPOP_NONCE = of("use-dpop-nonce");

    private ProblemTypes() {
    }

    public static URI of(String slug) {
        return URI.create(BASE + slug);
    }
}
