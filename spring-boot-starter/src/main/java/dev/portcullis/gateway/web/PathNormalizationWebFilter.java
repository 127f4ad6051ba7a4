package dev.portcullis.gateway.web;

import org.jspecify.annotations.Nullable;
import org.springframework.core.Ordered;
import org.springframework.http.server.PathContainer;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Refuses (400) any path that a route predicate and an upstream service might read differently, before routes are
 * matched: dot segments ({@code ..}, {@code .}, also percent-encoded), encoded slashes or backslashes, double encoding
 * ({@code %25}), {@code ;} path parameters (also {@code %3B}), empty segments. It also refuses every character a
 * service, a log or a terminal could act on: control characters raw or encoded ({@code %00}-{@code %1F}, {@code %7F},
 * and the C1 controls {@code %C2%80}-{@code %C2%9F}), raw spaces and raw non-ASCII, and any encoding it cannot prove
 * harmless: {@code %} without two hex digits, and encoded bytes that are not shortest-form UTF-8 (overlong forms such as
 * {@code %C0%AE} for a dot, surrogates, truncated sequences, {@code %FF}). What passes has one meaning only,
 * so {@code /api/public/../orders} can never reach the orders service under the public route's policy. Route paths
 * are matched case-sensitively: {@code /API/orders} matches no route and gets a 404.
 *
 * <p>Runs right after the access log filter: nothing else should see such a path.
 */
public final class PathNormalizationWebFilter implements WebFilter, Ordered {

    @Override
    public int getOrder() {
        // the sequence of every filter, and why: EdgeFilterOrder
        return EdgeFilterOrder.PATH_NORMALIZATION;
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
    public static @Nullable String problemWith(String rawPath, PathContainer path) {
        if (rawPath.isEmpty() || rawPath.charAt(0) != '/') {
            return "The request path must start with '/'";
        }
        for (int i = 0; i < rawPath.length(); i++) {
            char c = rawPath.charAt(i);
            if (c <= 0x20 || c >= 0x7f || c == '\\') {
                // raw control characters, spaces, DEL, anything outside ASCII (it must be percent-encoded UTF-8)
                return CONTROL_OR_RAW;
            }
            if (c == ';') {
                return "Path parameters (';') are not accepted";
            }
            if (c == '/' && i > 0 && rawPath.charAt(i - 1) == '/') {
                // checked on the raw path: PathContainer does not report empty segments as segments
                return "Empty path segments ('//') are not accepted";
            }
            if (c == '%') {
                String problem = encodingProblem(rawPath, i);
                if (problem != null) {
                    return problem;
                }
                i += encodedLength(rawPath, i) - 1;
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

    private static final String CONTROL_OR_RAW = "The request path contains a character that is not allowed";
    private static final String NOT_UTF8 = "Percent-encoded bytes in the path must be shortest-form UTF-8";

    /**
     * Checks the percent-encoded character starting at {@code at}: one {@code %XX} for an ASCII byte, or the
     * {@code %XX} run of one complete UTF-8 sequence.
     *
     * @return why it is refused, or null
     */
    private static String encodingProblem(String raw, int at) {
        int first = hexByte(raw, at);
        if (first < 0) {
            return "Invalid percent-encoding in the path ('%' must be followed by two hex digits)";
        }
        if (first < 0x20 || first == 0x7f) {
            return CONTROL_OR_RAW;
        }
        switch (first) {
            case '/', '\\' -> {
                return "Encoded slashes are not accepted in the path";
            }
            case '%' -> {
                return "Double-encoded paths are not accepted";
            }
            case '.' -> {
                return "Encoded dots are not accepted in the path";
            }
            case ';' -> {
                return "Path parameters (';') are not accepted";
            }
            default -> {
                // other encoded ASCII characters are ordinary data
            }
        }
        if (first < 0x80) {
            return null;
        }
        int length = utf8Length(first);
        if (length == 0) {
            return NOT_UTF8;
        }
        int second = hexByte(raw, at + 3);
        // the second byte's range rules out overlong forms (E0, F0), UTF-16 surrogates (ED) and code points above
        // U+10FFFF (F4); C2 80..C2 9F are the C1 control characters
        int low = switch (first) {
            case 0xC2 -> 0xA0;
            case 0xE0 -> 0xA0;
            case 0xF0 -> 0x90;
            default -> 0x80;
        };
        int high = switch (first) {
            case 0xED -> 0x9F;
            case 0xF4 -> 0x8F;
            default -> 0xBF;
        };
        if (second < low || second > high) {
            return first == 0xC2 && second >= 0x80 && second < 0xA0 ? CONTROL_OR_RAW : NOT_UTF8;
        }
        for (int k = 2; k < length; k++) {
            int next = hexByte(raw, at + 3 * k);
            if (next < 0x80 || next > 0xBF) {
                return NOT_UTF8;
            }
        }
        return null;
    }

    /** How many characters of {@code raw} the (already checked) encoded character at {@code at} takes. */
    private static int encodedLength(String raw, int at) {
        int first = hexByte(raw, at);
        return 3 * (first < 0x80 ? 1 : utf8Length(first));
    }

    /** The length of the UTF-8 sequence a lead byte starts, or 0 when it cannot start one (C0, C1, F5..FF). */
    private static int utf8Length(int lead) {
        if (lead >= 0xC2 && lead <= 0xDF) {
            return 2;
        }
        if (lead >= 0xE0 && lead <= 0xEF) {
            return 3;
        }
        return lead >= 0xF0 && lead <= 0xF4 ? 4 : 0;
    }

    /** The byte {@code %XX} at {@code at} encodes, or -1 when there is no well-formed one there. */
    private static int hexByte(String raw, int at) {
        if (at + 2 >= raw.length()) {
            return -1;
        }
        if (raw.charAt(at) != '%') {
            return -1;
        }
        int high = Character.digit(raw.charAt(at + 1), 16);
        int low = Character.digit(raw.charAt(at + 2), 16);
        return high < 0 || low < 0 ? -1 : high * 16 + low;
    }
}
