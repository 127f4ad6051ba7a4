package dev.portcullis.gateway.web;

import java.util.List;
import java.util.Map;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Answers 431 with a problem document when the request's headers together exceed {@code portcullis.http.max-header-bytes}.
 * Netty's own (larger) limit stays as the last line against absurd requests; this one is the limit clients see,
 * explained.
 */
public final class HeaderSizeWebFilter implements WebFilter, Ordered {

    /** After the access log (so the 431 is logged), before anything reads headers. */
    public static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 10;

    private final int maxHeaderBytes;

    public HeaderSizeWebFilter(int maxHeaderBytes) {
        this.maxHeaderBytes = maxHeaderBytes;
    }

    @Override
    public int getOrder() {
        return ORDER;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        long total = 0;
        for (Map.Entry<String, List<String>> header : exchange.getRequest().getHeaders().headerSet()) {
            for (String value : header.getValue()) {
                total += header.getKey().length() + value.length() + 4;
            }
        }
        if (total > maxHeaderBytes) {
            return ProblemWriter.reject(exchange, Rejection.of(RejectionReason.HEADERS_TOO_LARGE,
                    "The request headers are larger than " + maxHeaderBytes + " bytes"));
        }
        return chain.filter(exchange);
    }
}
