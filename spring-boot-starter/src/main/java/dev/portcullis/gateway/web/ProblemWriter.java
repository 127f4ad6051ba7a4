package dev.portcullis.gateway.web;

import dev.portcullis.contract.TraceParent;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Writes RFC 9457 problem documents, with RFC 6750 {@code WWW-Authenticate} for token errors and {@code Retry-After}
 * where a retry makes sense. A rejection's document carries the extension member {@code reason}, the stable
 * {@link RejectionReason#tag()} (the same code as the access log, the metrics and the explain endpoint). The body is
 * built by hand: it has a few fixed members (the request and trace ids last) and must not cost a JSON mapper on the hot
 * path of a rejection flood.
 */
public final class ProblemWriter {

    static final MediaType PROBLEM_JSON = MediaType.APPLICATION_PROBLEM_JSON;
    private static final String REALM = "portcullis";

    private ProblemWriter() {
    }

    /** Answers the exchange with the rejection and remembers it for the access log and metrics. */
    public static Mono<Void> reject(ServerWebExchange exchange, Rejection rejection) {
        exchange.getAttributes().put(EdgeAttributes.REJECTION, rejection);
        ServerHttpResponse response = exchange.getResponse();
        if (response.isCommitted()) {
            return Mono.empty();
        }
        RejectionReason reason = rejection.reason();
        HttpHeaders headers = response.getHeaders();
        String challenge = challenge(rejection);
        if (challenge != null) {
            headers.set(HttpHeaders.WWW_AUTHENTICATE, challenge);
        }
        String retryAfter = retryAfter(rejection);
        if (retryAfter != null) {
            headers.set(HttpHeaders.RETRY_AFTER, retryAfter);
        }
        return write(exchange, reason.status(), reason.problemType(), reason.title(), rejection.detail(), reason.tag());
    }

    /** The {@code WWW-Authenticate} value a rejection is answered with, or null when it gets none. */
    public static String challenge(Rejection rejection) {
        RejectionReason reason = rejection.reason();
        if (reason.status().value() != 401 && reason.bearerError() == null) {
            return null;
        }
        String challenge = wwwAuthenticate(reason, rejection.detail());
        // RFC 9470 step-up parameters (acr_values, max_age) follow the RFC 6750 ones
        return rejection.challenge() == null ? challenge : challenge + ", " + rejection.challenge();
    }

    /** The {@code Retry-After} value (whole seconds, at least 1) a rejection is answered with, or null. */
    public static String retryAfter(Rejection rejection) {
        return rejection.retryAfter() == null ? null : Long.toString(Math.max(1, ceilSeconds(rejection.retryAfter())));
    }

    /** Writes a problem document with the given parts; the caller sets any extra headers first. */
    public static Mono<Void> write(ServerWebExchange exchange, HttpStatusCode status, URI type, String title, String detail) {
        return write(exchange, status, type, title, detail, null);
    }

    /**
     * @param reason the {@link RejectionReason#tag()} for the {@code reason} member, which clients and the explain
     *               endpoint match on; null for errors that are not a rejection (an unexpected 500)
     */
    static Mono<Void> write(ServerWebExchange exchange, HttpStatusCode status, URI type, String title, String detail,
                            String reason) {
        ServerHttpResponse response = exchange.getResponse();
        response.setStatusCode(status);
        response.getHeaders().setContentType(PROBLEM_JSON);
        response.getHeaders().setCacheControl("no-store");
        Object requestId = exchange.getAttribute(EdgeAttributes.REQUEST_ID);
        TraceParent trace = exchange.getAttribute(EdgeAttributes.TRACE);
        String json = json(type, title, status, detail, reason, requestId, trace == null ? null : trace.traceId());
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        response.getHeaders().setContentLength(bytes.length);
        DataBuffer buffer = response.bufferFactory().wrap(bytes);
        return response.writeWith(Mono.just(buffer));
    }

    private static String json(URI type, String title, HttpStatusCode status, String detail, String reason,
                               Object requestId, String traceId) {
        StringBuilder json = new StringBuilder(256)
                .append("{\"type\":\"").append(escape(type.toString()))
                .append("\",\"title\":\"").append(escape(title))
                .append("\",\"status\":").append(status.value())
                .append(",\"detail\":\"").append(escape(detail)).append('"');
        if (reason != null) {
            json.append(",\"reason\":\"").append(escape(reason)).append('"');
        }
        if (requestId != null) {
            json.append(",\"request_id\":\"").append(escape(requestId.toString())).append('"');
        }
        if (traceId != null) {
            // 32 hex digits, nothing to escape
            json.append(",\"trace_id\":\"").append(traceId).append('"');
        }
        return json.append('}').toString();
    }

    static String wwwAuthenticate(RejectionReason reason, String detail) {
        if (reason.bearerError() == null) {
            return reason.scheme() + " realm=\"" + REALM + "\"";
        }
        return reason.scheme() + " realm=\"" + REALM + "\", error=\"" + reason.bearerError() + "\", error_description=\""
                + quoteSafe(detail) + "\"";
    }

    private static long ceilSeconds(java.time.Duration duration) {
        long millis = duration.toMillis();
        return (millis + 999) / 1000;
    }

    /** RFC 6750 limits error_description to printable ASCII without quote and backslash. */
    private static String quoteSafe(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            out.append(c >= 0x20 && c <= 0x7e && c != '"' && c != '\\' ? c : ' ');
        }
        return out.toString();
    }

    static String escape(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }
}
