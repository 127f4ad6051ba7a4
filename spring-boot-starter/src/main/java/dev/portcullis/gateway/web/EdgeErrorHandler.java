package dev.portcullis.gateway.web;

import dev.portcullis.contract.ProblemTypes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;

/**
 * Whatever escapes the filters becomes a problem document: no route (404), a framework status (405, 413, 415...),
 * an upstream timeout (504) or connection failure (503), and anything unexpected (500 with a generic detail and the
 * request id — the exception goes to the log, never to the client).
 */
public final class EdgeErrorHandler implements WebExceptionHandler, Ordered {

    private static final Logger log = LoggerFactory.getLogger(EdgeErrorHandler.class);

    @Override
    public int getOrder() {
        // the sequence of every filter, and why: EdgeFilterOrder
        return EdgeFilterOrder.ERROR_HANDLER;
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable error) {
        if (exchange.getResponse().isCommitted()) {
            return Mono.error(error);
        }
        if (error instanceof ResponseStatusException status) {
            HttpStatusCode code = status.getStatusCode();
            if (code.value() == 404) {
                return ProblemWriter.reject(exchange, Rejection.of(RejectionReason.NO_ROUTE, "No route matches this path"));
            }
            if (code.value() == 504) {
                return ProblemWriter.reject(exchange, Rejection.of(RejectionReason.UPSTREAM_TIMEOUT,
                        "The service behind this route did not answer in time"));
            }
            if (code.is4xxClientError()) {
                HttpStatus known = HttpStatus.resolve(code.value());
                String title = known != null ? known.getReasonPhrase() : "Bad request";
                return ProblemWriter.write(exchange, code, ProblemTypes.of(slug(title)), title,
                        status.getReason() != null ? status.getReason() : title);
            }
        }
        if (error instanceof java.net.ConnectException || error.getCause() instanceof java.net.ConnectException) {
            return ProblemWriter.reject(exchange, Rejection.retryable(RejectionReason.UPSTREAM_UNAVAILABLE,
                    "The service behind this route cannot be reached", java.time.Duration.ofSeconds(5)));
        }
        log.error("event=unhandled_error request_id={} path=\"{}\" error={}", exchange.getAttribute(EdgeAttributes.REQUEST_ID),
                exchange.getRequest().getPath().value(), error.toString());
        return ProblemWriter.write(exchange, HttpStatus.INTERNAL_SERVER_ERROR, ProblemTypes.INTERNAL, "Internal error",
                "The gateway could not complete the request; quote the request id when reporting it");
    }

    private static String slug(String title) {
        return title.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
    }
}
