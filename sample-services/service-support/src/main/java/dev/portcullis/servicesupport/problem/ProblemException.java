package dev.portcullis.servicesupport.problem;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * A failure that becomes exactly one RFC 9457 problem+json response, headers included. Thrown (or signalled as a
 * {@code Mono.error}) by handlers; {@link ProblemResponseHandler} writes it. Built by {@link Problems}.
 */
public final class ProblemException extends ErrorResponseException {

    private final HttpHeaders extraHeaders;

    ProblemException(ProblemDetail problem, HttpHeaders headers) {
        super(HttpStatusCode.valueOf(problem.getStatus()), problem, null);
        this.extraHeaders = HttpHeaders.readOnlyHttpHeaders(headers);
    }

    @Override
    public HttpHeaders getHeaders() {
        return extraHeaders;
    }
}
