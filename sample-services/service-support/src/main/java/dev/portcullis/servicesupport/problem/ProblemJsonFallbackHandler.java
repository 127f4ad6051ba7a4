package dev.portcullis.servicesupport.problem;

import dev.portcullis.contract.ProblemTypes;
import java.nio.charset.StandardCharsets;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.boot.webflux.error.ErrorWebExceptionHandler;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * The last line: failures that never reach a controller advice (a {@code WebFilter}, an {@code Error} such as a
 * BlockHound violation) still get a problem+json body instead of Spring Boot's default JSON error page. Replaces
 * Boot's {@code DefaultErrorWebExceptionHandler}. The body names no exception and carries no stack trace.
 */
public final class ProblemJsonFallbackHandler implements ErrorWebExceptionHandler {

    private static final Log LOG = LogFactory.getLog(ProblemJsonFallbackHandler.class);

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable error) {
        ServerHttpResponse response = exchange.getResponse();
        if (response.isCommitted()) {
            return Mono.error(error);
        }
        HttpStatusCode status = error instanceof ResponseStatusException rse
                ? rse.getStatusCode() : HttpStatus.INTERNAL_SERVER_ERROR;
        if (status.is5xxServerError()) {
            LOG.error("Unhandled failure for " + exchange.getRequest().getMethod() + " "
                    + exchange.getRequest().getPath().value(), error);
        }
        HttpStatus known = HttpStatus.resolve(status.value());
        String title = known != null ? known.getReasonPhrase() : "Error";
        String type = status.is5xxServerError() ? ProblemTypes.INTERNAL.toString()
                : status.value() == 404 ? ProblemTypes.NOT_FOUND.toString() : ProblemTypes.BAD_REQUEST.toString();
        // 32 lower-case hex digits when present (TraceParent checked them): nothing to escape
        String traceId = ProblemResponseHandler.traceId(exchange);
        String json = "{\"type\":\"" + type + "\",\"title\":\"" + title + "\",\"status\":" + status.value()
                + ",\"detail\":\"" + (status.is5xxServerError() ? "The service failed to handle the request."
                        : "The request cannot be handled.") + "\""
                + (traceId != null ? ",\"trace_id\":\"" + traceId + "\"}" : "}");
        response.setStatusCode(status);
        response.getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        DataBuffer body = response.bufferFactory().wrap(json.getBytes(StandardCharsets.UTF_8));
        return response.writeWith(Mono.just(body));
    }
}
