package dev.portcullis.servicesupport.problem;

import dev.portcullis.contract.ProblemTypes;
import dev.portcullis.contract.TraceParent;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.validation.FieldError;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.bind.support.WebExchangeBindException;
import org.springframework.web.reactive.result.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Turns every failure of a request into an RFC 9457 problem+json response: the framework's own (unknown path 404,
 * wrong method 405, wrong media type 415, malformed JSON 400, bean validation 400) get Portcullis's problem
 * {@code type} URIs; {@link ProblemException}s are written as built; anything else becomes a 500 without detail, so
 * that no stack trace or internal message reaches a client (it is logged instead). Each carries the request's
 * {@code trace_id} when it came with a well-formed {@code traceparent}.
 */
@RestControllerAdvice
public final class ProblemResponseHandler extends ResponseEntityExceptionHandler {

    private static final URI ABOUT_BLANK = URI.create("about:blank");

    private static final Log LOG = LogFactory.getLog(ProblemResponseHandler.class);

    @ExceptionHandler(Exception.class)
    Mono<ResponseEntity<Object>> handleUnexpected(Exception ex, ServerWebExchange exchange) {
        LOG.error("Unexpected failure handling " + exchange.getRequest().getMethod() + " "
                + exchange.getRequest().getPath().value(), ex);
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR,
                "The service failed to handle the request.");
        return handleExceptionInternal(ex, problem, new HttpHeaders(), HttpStatus.INTERNAL_SERVER_ERROR, exchange);
    }

    /** Bean-validation failures of a request body: 400 with one {@code {field, message}} entry per violation. */
    @Override
    protected Mono<ResponseEntity<Object>> handleWebExchangeBindException(WebExchangeBindException ex,
            HttpHeaders headers, HttpStatusCode status, ServerWebExchange exchange) {
        List<Map<String, String>> errors = ex.getFieldErrors().stream()
                .map(ProblemResponseHandler::describe)
                .toList();
        ProblemDetail problem = Problems.invalidRequest("The request body breaks " + errors.size()
                + (errors.size() == 1 ? " rule." : " rules."), errors).getBody();
        return handleExceptionInternal(ex, problem, headers, status, exchange);
    }

    /** Spring builds the body of its own exceptions inside the super call; give it a Portcullis type afterwards. */
    @Override
    protected Mono<ResponseEntity<Object>> handleExceptionInternal(Exception ex, Object body, HttpHeaders headers,
            HttpStatusCode status, ServerWebExchange exchange) {
        return super.handleExceptionInternal(ex, body, headers, status, exchange).map(entity -> {
            if (entity.getBody() instanceof ProblemDetail problem) {
                if (isBlank(problem.getType())) {
                    problem.setType(typeFor(entity.getStatusCode()));
                }
                String traceId = traceId(exchange);
                if (traceId != null) {
                    problem.setProperty("trace_id", traceId);
                }
            }
            return entity;
        });
    }

    /**
     * The trace the request belongs to, as the gateway sent it ({@code traceparent}, read as strictly as the gateway
     * reads a client's): the id the gateway's access log and this service's log lines carry. Null without one.
     */
    static String traceId(ServerWebExchange exchange) {
        TraceParent trace = TraceParent.parse(exchange.getRequest().getHeaders().getFirst(TraceParent.HEADER));
        return trace == null ? null : trace.traceId();
    }

    /** Spring leaves the type unset (implicitly {@code about:blank}) on the problems it builds itself. */
    private static boolean isBlank(URI type) {
        return type == null || ABOUT_BLANK.equals(type);
    }

    private static Map<String, String> describe(FieldError error) {
        String message = error.getDefaultMessage() == null ? "is invalid" : error.getDefaultMessage();
        return Map.of("field", error.getField(), "message", message);
    }

    private static URI typeFor(HttpStatusCode status) {
        return switch (status.value()) {
            case 400 -> ProblemTypes.BAD_REQUEST;
            case 401 -> ProblemTypes.INVALID_TOKEN;
            case 403 -> ProblemTypes.INSUFFICIENT_SCOPE;
            case 404 -> ProblemTypes.NOT_FOUND;
            case 405 -> ProblemTypes.METHOD_NOT_ALLOWED;
            case 413 -> ProblemTypes.PAYLOAD_TOO_LARGE;
            case 415 -> ProblemTypes.UNSUPPORTED_MEDIA_TYPE;
            case 429 -> ProblemTypes.RATE_LIMITED;
            case 503 -> ProblemTypes.SERVICE_UNAVAILABLE;
            default -> status.is5xxServerError() ? ProblemTypes.INTERNAL : ProblemTypes.BAD_REQUEST;
        };
    }
}
