package dev.portcullis.gateway.web;

import dev.portcullis.contract.ProblemTypes;
import java.net.URI;
import org.springframework.http.HttpStatus;

/**
 * Every reason the edge turns a request away. One value is the response status, the problem type, the RFC 6750 error
 * code, the access-log field and the metric tag at once, so the four can never disagree.
 */
public enum RejectionReason {

    MISSING("missing", HttpStatus.UNAUTHORIZED, null, ProblemTypes.INVALID_TOKEN, "Authentication required"),
    INVALID_REQUEST("invalid_request", HttpStatus.BAD_REQUEST, "invalid_request", ProblemTypes.INVALID_REQUEST, "Invalid request"),
    MALFORMED("malformed", HttpStatus.UNAUTHORIZED, "invalid_token", ProblemTypes.INVALID_TOKEN, "Invalid access token"),
    TOO_LARGE("too_large", HttpStatus.UNAUTHORIZED, "invalid_token", ProblemTypes.INVALID_TOKEN, "Invalid access token"),
    DISALLOWED_ALGORITHM("disallowed_algorithm", HttpStatus.UNAUTHORIZED, "invalid_token", ProblemTypes.INVALID_TOKEN,
            "Invalid access token"),
    WRONG_TYPE("wrong_type", HttpStatus.UNAUTHORIZED, "invalid_token", ProblemTypes.INVALID_TOKEN, "Invalid access token"),
    UNKNOWN_KEY("unknown_key", HttpStatus.UNAUTHORIZED, "invalid_token", ProblemTypes.INVALID_TOKEN, "Invalid access token"),
    BAD_SIGNATURE("bad_signature", HttpStatus.UNAUTHORIZED, "invalid_token", ProblemTypes.INVALID_TOKEN, "Invalid access token"),
    EXPIRED("expired", HttpStatus.UNAUTHORIZED, "invalid_token", ProblemTypes.INVALID_TOKEN, "Invalid access token"),
    NOT_YET_VALID("not_yet_valid", HttpStatus.UNAUTHORIZED, "invalid_token", ProblemTypes.INVALID_TOKEN, "Invalid access token"),
    LIFETIME_TOO_LONG("lifetime_too_long", HttpStatus.UNAUTHORIZED, "invalid_token", ProblemTypes.INVALID_TOKEN, "Invalid access token"),
    /** The token's {@code iss} is none of the trusted issuers'. */
    UNKNOWN_ISSUER("unknown_issuer", HttpStatus.UNAUTHORIZED, "invalid_token", ProblemTypes.INVALID_TOKEN, "Invalid access token"),
    /** A trusted issuer's valid token, on a route that accepts only other issuers ({@code issuers} in its policy). */
    ISSUER_NOT_ACCEPTED("issuer_not_accepted", HttpStatus.UNAUTHORIZED, "invalid_token", ProblemTypes.INVALID_TOKEN,
            "Invalid access token"),
    WRONG_AUDIENCE("wrong_audience", HttpStatus.UNAUTHORIZED, "invalid_token", ProblemTypes.INVALID_TOKEN, "Invalid access token"),
    MISSING_CLAIM("missing_claim", HttpStatus.UNAUTHORIZED, "invalid_token", ProblemTypes.INVALID_TOKEN, "Invalid access token"),
    UNSAFE_CLAIM("unsafe_claim", HttpStatus.UNAUTHORIZED, "invalid_token", ProblemTypes.INVALID_TOKEN, "Invalid access token"),
    REVOKED("revoked", HttpStatus.UNAUTHORIZED, "invalid_token", ProblemTypes.INVALID_TOKEN, "Invalid access token"),
    INSUFFICIENT_PERMISSIONS("insufficient_permissions", HttpStatus.FORBIDDEN, "insufficient_scope",
            ProblemTypes.INSUFFICIENT_SCOPE, "Forbidden"),
    MFA_REQUIRED("mfa_required", HttpStatus.FORBIDDEN, "insufficient_scope", ProblemTypes.INSUFFICIENT_SCOPE,
            "Step-up authentication required"),
    /**
     * RFC 9470: the token is valid, but the authentication behind it is not strong enough ({@code acr}) or recent
     * enough ({@code auth_time}) for the route; the challenge says what would pass, so the client can step up.
     */
    INSUFFICIENT_USER_AUTHENTICATION("insufficient_user_authentication", HttpStatus.UNAUTHORIZED,
            "insufficient_user_authentication", ProblemTypes.INSUFFICIENT_USER_AUTHENTICATION, "Step-up authentication required"),
    /** RFC 9449: the DPoP proof of a bound token is missing, invalid, stale, replayed, or made with another key. */
    DPOP_INVALID_PROOF("invalid_dpop_proof", HttpStatus.UNAUTHORIZED, "invalid_dpop_proof",
            ProblemTypes.INVALID_DPOP_PROOF, "Invalid DPoP proof"),
    /** RFC 9449 section 8: server nonces are on; retry with the {@code DPoP-Nonce} the answer carries. */
    DPOP_NONCE_REQUIRED("use_dpop_nonce", HttpStatus.UNAUTHORIZED, "use_dpop_nonce", ProblemTypes.USE_DPOP_NONCE, "DPoP nonce required"),
    /**
     * The token and the scheme disagree: a bound token sent as {@code Bearer}, an unbound one as {@code DPoP}, or an
     * unbound token on a route that requires binding.
     */
    DPOP_BINDING("dpop_binding", HttpStatus.UNAUTHORIZED, "invalid_token", ProblemTypes.INVALID_TOKEN, "Invalid access token"),
    /** The DPoP replay cache (Redis) did not answer: the proof cannot be shown fresh, so it is refused (fail closed). */
    DPOP_REPLAY_UNAVAILABLE("dpop_replay_unavailable", HttpStatus.SERVICE_UNAVAILABLE, null,
            ProblemTypes.SERVICE_UNAVAILABLE, "Service unavailable"),
    RATE_LIMITED("rate_limited", HttpStatus.TOO_MANY_REQUESTS, null, ProblemTypes.RATE_LIMITED, "Too many requests"),
    /** The client's IP spent its budget of failed token verifications; no signature is checked until it refills. */
    TOO_MANY_INVALID_TOKENS("too_many_invalid_tokens", HttpStatus.TOO_MANY_REQUESTS, null, ProblemTypes.RATE_LIMITED, "Too many requests"),
    KEYS_UNAVAILABLE("keys_unavailable", HttpStatus.SERVICE_UNAVAILABLE, null, ProblemTypes.SERVICE_UNAVAILABLE, "Service unavailable"),
    REVOCATION_UNAVAILABLE("revocation_unavailable", HttpStatus.SERVICE_UNAVAILABLE, null,
            ProblemTypes.SERVICE_UNAVAILABLE, "Service unavailable"),
    BAD_PATH("bad_path", HttpStatus.BAD_REQUEST, null, ProblemTypes.BAD_REQUEST, "Bad request"),
    HEADERS_TOO_LARGE("headers_too_large", HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, null,
            ProblemTypes.HEADERS_TOO_LARGE, "Request header fields too large"),
    METHOD_NOT_ALLOWED("method_not_allowed", HttpStatus.METHOD_NOT_ALLOWED, null, ProblemTypes.METHOD_NOT_ALLOWED, "Method not allowed"),
    UNKNOWN_METHOD("unknown_method", HttpStatus.NOT_IMPLEMENTED, null, ProblemTypes.of("not-implemented"), "Not implemented"),
    /** The route's policy could not be compiled after a reload, and it has no earlier one to keep serving. */
    POLICY_UNAVAILABLE("policy_unavailable", HttpStatus.SERVICE_UNAVAILABLE, null, ProblemTypes.SERVICE_UNAVAILABLE, "Service unavailable"),
    NO_ROUTE("no_route", HttpStatus.NOT_FOUND, null, ProblemTypes.NOT_FOUND, "Not found"),
    UPSTREAM_UNAVAILABLE("upstream_unavailable", HttpStatus.SERVICE_UNAVAILABLE, null,
            ProblemTypes.SERVICE_UNAVAILABLE, "Service unavailable"),
    UPSTREAM_TIMEOUT("upstream_timeout", HttpStatus.GATEWAY_TIMEOUT, null, ProblemTypes.UPSTREAM_TIMEOUT, "Gateway timeout");

    private final String tag;
    private final HttpStatus status;
    private final String bearerError;
    private final URI problemType;
    private final String title;

    RejectionReason(String tag, HttpStatus status, String bearerError, URI problemType, String title) {
        this.tag = tag;
        this.status = status;
        this.bearerError = bearerError;
        this.problemType = problemType;
        this.title = title;
    }

    /** The value of the {@code reason} metric tag and access-log field. */
    public String tag() {
        return tag;
    }

    public HttpStatus status() {
        return status;
    }

    /** The RFC 6750 {@code error} code, or null when no token error applies. */
    public String bearerError() {
        return bearerError;
    }

    /** The {@code WWW-Authenticate} scheme of a 401: {@code DPoP} for the DPoP reasons (RFC 9449 7.1), else {@code Bearer}. */
    public String scheme() {
        return switch (this) {
            case DPOP_INVALID_PROOF, DPOP_NONCE_REQUIRED, DPOP_BINDING -> "DPoP";
            default -> "Bearer";
        };
    }

    public URI problemType() {
        return problemType;
    }

    public String title() {
        return title;
    }
}
