package dev.portcullis.servicesupport.problem;

import dev.portcullis.contract.ProblemTypes;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;

/**
 * The problems a service behind Portcullis answers with, in one place so that every service spells the same failure
 * the same way (type URI, status, {@code WWW-Authenticate}, {@code Retry-After}). Details are written for the
 * client: they never carry a token, secret or stack trace.
 */
public final class Problems {

    /** {@code type} of a request that did not come through an authenticated gateway route. */
    public static final URI UNAUTHENTICATED = ProblemTypes.of("unauthenticated");
    /** {@code type} of a request that names something the service does not know (such as an unknown product). */
    public static final URI UNKNOWN_REFERENCE = ProblemTypes.of("unknown-reference");

    private Problems() {
    }

    /** 401 for a request without the gateway's identity headers (and without any other credential). */
    public static ProblemException missingIdentity() {
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        return build(HttpStatus.UNAUTHORIZED, UNAUTHENTICATED, "Unauthenticated",
                "This service is reached through the Portcullis gateway, which identifies the caller.", headers);
    }

    /** 401 for a presented bearer token that failed verification (RFC 6750 {@code invalid_token}). */
    public static ProblemException invalidToken(String detail) {
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.WWW_AUTHENTICATE,
                "Bearer error=\"invalid_token\", error_description=\"" + quoteSafe(detail) + "\"");
        return build(HttpStatus.UNAUTHORIZED, ProblemTypes.INVALID_TOKEN, "Invalid token", detail, headers);
    }

    /** 403: the caller is known but lacks a permission, role or scope (RFC 6750 {@code insufficient_scope}). */
    public static ProblemException forbidden(String detail) {
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.WWW_AUTHENTICATE,
                "Bearer error=\"insufficient_scope\", error_description=\"" + quoteSafe(detail) + "\"");
        return build(HttpStatus.FORBIDDEN, ProblemTypes.INSUFFICIENT_SCOPE, "Forbidden", detail, headers);
    }

    public static ProblemException notFound(String detail) {
        return build(HttpStatus.NOT_FOUND, ProblemTypes.NOT_FOUND, "Not Found", detail, new HttpHeaders());
    }

    /** 400 for a body that parsed but breaks a rule; {@code errors} lists {@code {field, message}} entries. */
    public static ProblemException invalidRequest(String detail, List<Map<String, String>> errors) {
        ProblemException problem = build(HttpStatus.BAD_REQUEST, ProblemTypes.INVALID_REQUEST, "Invalid request",
                detail, new HttpHeaders());
        problem.getBody().setProperty("errors", errors);
        return problem;
    }

    /** 422 for a well-formed request that refers to something that does not exist, such as an unknown product id. */
    public static ProblemException unknownReference(String detail) {
        return build(HttpStatus.UNPROCESSABLE_CONTENT, UNKNOWN_REFERENCE, "Unknown reference", detail,
                new HttpHeaders());
    }

    /** 503 with {@code Retry-After}: a dependency the service needs is down; the client may retry later. */
    public static ProblemException serviceUnavailable(String detail, Duration retryAfter) {
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, retryAfter.toSeconds())));
        return build(HttpStatus.SERVICE_UNAVAILABLE, ProblemTypes.SERVICE_UNAVAILABLE, "Service unavailable", detail,
                headers);
    }

    private static ProblemException build(HttpStatus status, URI type, String title, String detail,
            HttpHeaders headers) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(type);
        problem.setTitle(title);
        return new ProblemException(problem, headers);
    }

    /** A header parameter value cannot hold a double quote or a backslash unescaped; drop them. */
    private static String quoteSafe(String text) {
        return text.replace("\"", "'").replace("\\", "");
    }
}
