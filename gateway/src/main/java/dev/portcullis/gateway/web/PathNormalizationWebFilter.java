package dev.portcullis.gateway.web;

import org.springframework.core.Ordered;
import org.springframework.http.server.PathContainer;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Refuses (400) any path that a route predicate and an upstream service might read differently, before routes are
 * matched: dot segments ({@code ..}, {@code .}, also percent-encoded), encoded slashes or backslashes, double encoding
 * ({@code %25}), {@code ;} path parameters, empty segments, control characters. What passes has one meaning only,
 * so {@code /api/public/../orders} can never reach the orders service under the public route's policy. Route paths
 * are matched case-sensitively: {@code /API/orders} matches no route and gets a 404.
 *
 * <p>Runs right after the access log filter: nothing else should see such a path.
 */
public final class PathNormalizationWebFilter implements WebFilter, Ordered {

    /** Just after {@link AccessLogWebFilter} and {@link HeaderSizeWebFilter}: before routing, before anything reads the path. */
    public static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 20;

    @Override
    public int getOrder() {
        return ORDER;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String problem = problemWith(exchange.getRequest().getPath().value(), exchange.getRequest().getPath().pathWithinApplication());
        if (problem != null) {
            return ProblemWriter.reject(exchange, Rejection.of(RejectionReason.BAD_PATH, problem));
        }
        return chain.filter(exchange);
    }

    /** @return why the path is refused, or null when it is unambiguous */
    static String problemWith(String rawPath, PathContainer path) {
        if (rawPath.isEmpty() || rawPath.charAt(0) != '/') {
            return "The request path must start with '/'";
        }
        for (int i = 0; i < rawPath.length(); i++) {
            char c = rawPath.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\\') {
                return "The request path contains a character that is not allowed";
            }
            if (c == ';') {
                return "Path parameters (';') are not accepted";
            }
            if (c == '/' && i > 0 && rawPath.charAt(i - 1) == '/') {
                // checked on the raw path: PathContainer does not report empty segments as segments
                return "Empty path segments ('//') are not accepted";
            }
            if (c == '%' && i + 2 < rawPath.length()) {
                String encoded = rawPath.substring(i + 1, i + 3).toUpperCase(java.util.Locale.ROOT);
                switch (encoded) {
                    case "2F", "5C" -> {
                        return "Encoded slashes are not accepted in the path";
                    }
                    case "25" -> {
                        return "Double-encoded paths are not accepted";
                    }
                    case "2E" -> {
                        return "Encoded dots are not accepted in the path";
                    }
                    case "00" -> {
                        return "The request path contains a character that is not allowed";
                    }
                    default -> {
                        // other encoded characters are ordinary data
                    }
                }
            }
        }
        int segments = 0;
        for (PathContainer.Element element : path.elements()) {
            if (element instanceof PathContainer.PathSegment segment) {
                String value = segment.valueToMatch();
                if (value.equals(".") || value.equals("..")) {
                    return "Dot segments ('.', '..') are not accepted in the path";
                }
                if (value.isEmpty()) {
                    return "Empty path segments ('//') are not accepted";
                }
                segments++;
            }
        }
        return segments > 256 ? "The request path has too many segments" : null;
    }
}
