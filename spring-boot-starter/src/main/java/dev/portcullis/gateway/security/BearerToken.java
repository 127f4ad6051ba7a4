package dev.portcullis.gateway.security;

import dev.portcullis.gateway.web.Rejection;
import dev.portcullis.gateway.web.RejectionReason;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * What the request carries as a bearer token (RFC 6750 section 2.1 only): nothing, one well-formed token, or
 * something the edge refuses outright. Tokens in the query string and requests with two {@code Authorization}
 * headers are refused, because two places to look is how a check and a service end up reading different tokens.
 */
public sealed interface BearerToken {

    String SCHEME = "Bearer";
    /** RFC 9449: a DPoP-bound token; its proof is checked by {@code DpopGlobalFilter}. */
    String DPOP_SCHEME = "DPoP";
    String QUERY_PARAMETER = "access_token";

    /** No bearer credentials at all. */
    record Absent() implements BearerToken {
    }

    /** One syntactically valid token. */
    record Present(String value) implements BearerToken {
    }

    /** Credentials that are refused without further checks. */
    record Refused(Rejection rejection) implements BearerToken {
    }

    BearerToken ABSENT = new Absent();

    static BearerToken from(ServerHttpRequest request) {
        if (request.getQueryParams().containsKey(QUERY_PARAMETER)) {
            return new Refused(Rejection.of(RejectionReason.INVALID_REQUEST,
                    "Access tokens are not accepted in the query string; send them in the Authorization header"));
        }
        List<String> values = request.getHeaders().get(HttpHeaders.AUTHORIZATION);
        if (values == null || values.isEmpty()) {
            return ABSENT;
        }
        if (values.size() > 1) {
            return new Refused(Rejection.of(RejectionReason.INVALID_REQUEST, "More than one Authorization header"));
        }
        return parse(values.getFirst());
    }

    /**
     * Parses one header value: the scheme ({@code Bearer}, or {@code DPoP} for a bound token) is case-insensitive, the
     * token must be an RFC 6750 b64token.
     */
    static BearerToken parse(String header) {
        int length = header.length();
        int schemeLength = isScheme(header, SCHEME) ? SCHEME.length() : isScheme(header, DPOP_SCHEME) ? DPOP_SCHEME.length() : -1;
        if (schemeLength < 0) {
            // Another scheme (Basic, ...) is not a bearer token; on a protected route that is "missing".
            return ABSENT;
        }
        int start = schemeLength;
        while (start < length && header.charAt(start) == ' ') {
            start++;
        }
        if (start == length) {
            return new Refused(Rejection.of(RejectionReason.MALFORMED, "The bearer token is empty"));
        }
        int end = length;
        boolean padding = false;
        for (int i = start; i < end; i++) {
            char c = header.charAt(i);
            boolean tokenChar = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
            if (c == '=') {
                padding = true;
            } else if (!tokenChar || padding) {
                return new Refused(Rejection.of(RejectionReason.MALFORMED, "The bearer token has characters a token cannot have"));
            }
        }
        return new Present(header.substring(start, end));
    }

    /** Whether {@code header} starts with {@code scheme} (any case) and a space. */
    static boolean isScheme(String header, String scheme) {
        return header.length() > scheme.length() && header.regionMatches(true, 0, scheme, 0, scheme.length())
                && header.charAt(scheme.length()) == ' ';
    }
}
