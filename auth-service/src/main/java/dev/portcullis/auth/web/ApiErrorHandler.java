package dev.portcullis.auth.web;

import dev.portcullis.auth.config.AuthProperties;
import dev.portcullis.contract.ProblemTypes;
import io.lettuce.core.RedisException;
import java.net.URI;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.ResolvableType;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.codec.HttpMessageWriter;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.stereotype.Component;
import org.springframework.web.bind.support.WebExchangeBindException;
import org.springframework.web.server.MethodNotAllowedException;
import org.springframework.web.server.NotAcceptableStatusException;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebInputException;
import org.springframework.web.server.UnsupportedMediaTypeStatusException;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;

/**
 * Turns every error of the public port, whether a controller, a {@code WebFilter} or the framework raised it, into
 * {@code application/problem+json} (RFC 9457) and never into a stack trace. The body is Spring's {@link ProblemDetail}
 * (as in the sample services), written by the application's own JSON codec: {@code type}, {@code title},
 * {@code status}, {@code detail}, {@code instance} and the problem's extra members at the top level. It sits before
 * Spring Boot's default error handler ({@code -1}) so that the default HTML/JSON error page never shows. Redis
 * failures become 503 with {@code Retry-After}: this service fails closed (no token without its revocation state, no
 * login without its limits).
 */
@Component
@Order(-2)
public final class ApiErrorHandler implements WebExceptionHandler, Ordered {

    private static final Logger log = LoggerFactory.getLogger(ApiErrorHandler.class);
    private static final MediaType PROBLEM_JSON = MediaType.APPLICATION_PROBLEM_JSON;
    private static final ResolvableType PROBLEM_DETAIL = ResolvableType.forClass(ProblemDetail.class);

    private final HttpMessageWriter<ProblemDetail> writer;
    private final long maxRequestBytes;

    ApiErrorHandler(ServerCodecConfigurer codecs, AuthProperties properties) {
        this.writer = problemWriter(codecs);
        this.maxRequestBytes = properties.maxRequestSize().toBytes();
    }

    @SuppressWarnings("unchecked")
    private static HttpMessageWriter<ProblemDetail> problemWriter(ServerCodecConfigurer codecs) {
        return codecs.getWriters().stream().filter(w -> w.canWrite(PROBLEM_DETAIL, PROBLEM_JSON))
                .map(w -> (HttpMessageWriter<ProblemDetail>) w).findFirst()
                .orElseThrow(() -> new IllegalStateException("no codec writes " + PROBLEM_JSON));
    }

    @Override
    public int getOrder() {
        return -2;
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable error) {
        ServerHttpResponse response = exchange.getResponse();
        if (response.isCommitted()) {
            return Mono.error(error);
        }
        ApiException problem = toProblem(exchange, error);
        response.setStatusCode(problem.getStatusCode());
        HttpHeaders headers = response.getHeaders();
        problem.getHeaders().forEach(headers::put);
        headers.setContentType(PROBLEM_JSON);
        headers.setCacheControl("no-store");
        ProblemDetail body = problem.getBody();
        body.setInstance(instance(exchange));
        return writer.write(Mono.just(body), PROBLEM_DETAIL, PROBLEM_JSON, response, Map.of());
    }

    /** The request's path; it came off the wire percent-encoded, so it is a valid relative URI reference. */
    private static URI instance(ServerWebExchange exchange) {
        try {
            return URI.create(exchange.getRequest().getPath().value());
        } catch (IllegalArgumentException notAUri) {
            return null; // left out of the problem rather than failing the error response
        }
    }

    private ApiException toProblem(ServerWebExchange exchange, Throwable error) {
        if (error instanceof ApiException api) {
            return api;
        }
        if (hasCause(error, DataBufferLimitException.class)) {
            return ApiException.payloadTooLarge(maxRequestBytes);
        }
        if (error instanceof WebExchangeBindException bind) {
            String fields = bind.getFieldErrors().stream()
                    .map(f -> f.getField() + " " + f.getDefaultMessage())
                    .sorted()
                    .collect(Collectors.joining("; "));
            return ApiException.badRequest(fields.isEmpty() ? "The request is invalid" : fields);
        }
        if (error instanceof ServerWebInputException) {
            return ApiException.badRequest("The request body is missing or malformed");
        }
        if (error instanceof UnsupportedMediaTypeStatusException) {
            return ApiException.of(HttpStatus.UNSUPPORTED_MEDIA_TYPE, ProblemTypes.UNSUPPORTED_MEDIA_TYPE,
                    "Unsupported media type", "Send the body as application/json");
        }
        if (error instanceof MethodNotAllowedException notAllowed) {
            ApiException problem = ApiException.of(HttpStatus.METHOD_NOT_ALLOWED, ProblemTypes.METHOD_NOT_ALLOWED,
                    "Method not allowed", "Method " + notAllowed.getHttpMethod() + " is not allowed here");
            String allow = notAllowed.getSupportedMethods().stream().map(Object::toString).sorted()
                    .collect(Collectors.joining(", "));
            return allow.isEmpty() ? problem : problem.header(HttpHeaders.ALLOW, allow);
        }
        if (error instanceof NotAcceptableStatusException) {
            return ApiException.of(HttpStatus.NOT_ACCEPTABLE, ProblemTypes.of("not-acceptable"), "Not acceptable",
                    "This endpoint answers application/json");
        }
        if (error instanceof ResponseStatusException status) {
            return fromStatus(status.getStatusCode());
        }
        if (hasCause(error, RedisException.class)) {
            log.atWarn().addKeyValue("path", exchange.getRequest().getPath().value())
                    .addKeyValue("error", error.getClass().getSimpleName())
                    .log("Redis unavailable; refusing the request (fail closed)");
            return ApiException.unavailable("A backing store is unavailable; retry shortly");
        }
        log.atError().setCause(error).addKeyValue("path", exchange.getRequest().getPath().value())
                .log("Unexpected error");
        return ApiException.of(HttpStatus.INTERNAL_SERVER_ERROR, ProblemTypes.INTERNAL, "Internal error",
                "The request could not be processed");
    }

    private static ApiException fromStatus(HttpStatusCode code) {
        HttpStatus status = HttpStatus.resolve(code.value());
        if (status == null) {
            status = HttpStatus.INTERNAL_SERVER_ERROR;
        }
        URI type = switch (status) {
            case NOT_FOUND -> ProblemTypes.NOT_FOUND;
            case BAD_REQUEST -> ProblemTypes.BAD_REQUEST;
            case CONTENT_TOO_LARGE -> ProblemTypes.PAYLOAD_TOO_LARGE;
            case UNSUPPORTED_MEDIA_TYPE -> ProblemTypes.UNSUPPORTED_MEDIA_TYPE;
            case METHOD_NOT_ALLOWED -> ProblemTypes.METHOD_NOT_ALLOWED;
            default -> status.is5xxServerError() ? ProblemTypes.INTERNAL : ProblemTypes.BAD_REQUEST;
        };
        String detail = status == HttpStatus.NOT_FOUND ? "No such resource" : status.getReasonPhrase();
        return ApiException.of(status, type, status.getReasonPhrase(), detail);
    }

    private static boolean hasCause(Throwable error, Class<? extends Throwable> type) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }
}
