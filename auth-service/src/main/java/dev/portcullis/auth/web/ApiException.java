package dev.portcullis.auth.web;

import dev.portcullis.contract.ProblemTypes;
import java.net.URI;
import java.time.Duration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * A refusal that becomes an RFC 9457 problem document: a Spring {@link ProblemDetail} (status, {@code type}, title, a
 * detail safe to show, optional extra members such as the OAuth {@code error} code) and the headers the status calls
 * for ({@code WWW-Authenticate}, {@code Retry-After}). {@link ApiErrorHandler} writes it. Carries no stack trace: it
 * is an answer, not a crash.
 */
public final class ApiException extends ErrorResponseException {

    private final HttpHeaders headers = new HttpHeaders();

    private ApiException(HttpStatus status, URI type, String title, String detail) {
        super(status, problem(status, type, title, detail), null);
    }

    private static ProblemDetail problem(HttpStatus status, URI type, String title, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(type);
        problem.setTitle(title);
        return problem;
    }

    public static ApiException of(HttpStatus status, URI type, String title, String detail) {
        return new ApiException(status, type, title, detail);
    }

    public static ApiException badRequest(String detail) {
        return of(HttpStatus.BAD_REQUEST, ProblemTypes.INVALID_REQUEST, "Invalid request", detail);
    }

    /** 401 when no Bearer token came with the request (RFC 6750 §3: a bare challenge). */
    public static ApiException missingToken() {
        return of(HttpStatus.UNAUTHORIZED, ProblemTypes.INVALID_TOKEN, "Authentication required",
                "A Bearer access token is required").header(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
    }

    /** 401 for a presented token that is not accepted; {@code description} is short and contains no token data. */
    public static ApiException invalidToken(String description) {
        return of(HttpStatus.UNAUTHORIZED, ProblemTypes.INVALID_TOKEN, "Invalid token", description)
                .header(HttpHeaders.WWW_AUTHENTICATE,
                        "Bearer error=\"invalid_token\", error_description=\"" + description + "\"");
    }

    public static ApiException insufficientScope(String detail) {
        return of(HttpStatus.FORBIDDEN, ProblemTypes.INSUFFICIENT_SCOPE, "Forbidden", detail)
                .header(HttpHeaders.WWW_AUTHENTICATE,
                        "Bearer error=\"insufficient_scope\", error_description=\"" + detail + "\"");
    }

    public static ApiException invalidCredentials(String detail) {
        return of(HttpStatus.UNAUTHORIZED, ProblemTypes.INVALID_CREDENTIALS, "Invalid credentials", detail);
    }

    public static ApiException rateLimited(Duration retryAfter) {
        long seconds = Math.max(1, (retryAfter.toMillis() + 999) / 1000);
        return of(HttpStatus.TOO_MANY_REQUESTS, ProblemTypes.RATE_LIMITED, "Too many attempts",
                "Too many attempts; retry after " + seconds + " s")
                .header(HttpHeaders.RETRY_AFTER, Long.toString(seconds));
    }

    public static ApiException unavailable(String detail) {
        return of(HttpStatus.SERVICE_UNAVAILABLE, ProblemTypes.SERVICE_UNAVAILABLE, "Service unavailable", detail)
                .header(HttpHeaders.RETRY_AFTER, "1");
    }

    public static ApiException notFound(String detail) {
        return of(HttpStatus.NOT_FOUND, ProblemTypes.NOT_FOUND, "Not found", detail);
    }

    public static ApiException conflict(String detail) {
        return of(HttpStatus.CONFLICT, ProblemTypes.of("conflict"), "Conflict", detail);
    }

    public static ApiException payloadTooLarge(long limitBytes) {
        return of(HttpStatus.CONTENT_TOO_LARGE, ProblemTypes.PAYLOAD_TOO_LARGE, "Payload too large",
                "The request body exceeds " + limitBytes + " bytes");
    }

    public ApiException header(String name, String value) {
        headers.set(name, value);
        return this;
    }

    /** Adds a member to the problem document, such as the OAuth 2 {@code error} code. */
    public ApiException with(String member, Object value) {
        getBody().setProperty(member, value);
        return this;
    }

    /** The headers the problem calls for ({@code WWW-Authenticate}, {@code Retry-After}, {@code Allow}). */
    @Override
    public HttpHeaders getHeaders() {
        return headers;
    }

    /** The detail, as shown to the client; the exception carries no stack trace. */
    @Override
    public String getMessage() {
        return getBody().getDetail();
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this; // an answer, not a crash: no stack to capture
    }
}
