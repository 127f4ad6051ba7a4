package dev.portcullis.auth.refresh;

import dev.portcullis.auth.config.AuthProperties;
import dev.portcullis.auth.web.ApiException;
import dev.portcullis.contract.ProblemTypes;
import java.util.List;
import java.util.Locale;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.stereotype.Component;

/**
 * CSRF defence for the cookie flow, on top of {@code SameSite=Strict}: the request must carry {@code X-Requested-With}
 * (a custom header a cross-site form cannot send, and cross-site script cannot send without a CORS preflight this
 * service never grants), and an {@code Origin}, when present, must be one of the allowed origins (by default the
 * issuer's).
 */
@Component
public final class CsrfGuard {

    static final String REQUIRED_HEADER = "X-Requested-With";

    private final List<String> allowedOrigins;

    CsrfGuard(AuthProperties properties) {
        List<String> configured = properties.refresh().allowedOrigins();
        this.allowedOrigins = (configured.isEmpty() ? List.of(properties.issuerOrigin()) : configured).stream()
                .map(o -> o.replaceAll("/+$", "").toLowerCase(Locale.ROOT)).toList();
    }

    /** Throws 403 when the cookie-carrying request might be forged by another site. */
    public void check(ServerHttpRequest request) {
        HttpHeaders headers = request.getHeaders();
        String marker = headers.getFirst(REQUIRED_HEADER);
        if (marker == null || marker.isBlank()) {
            throw refused("The cookie flow requires the X-Requested-With header");
        }
        String origin = headers.getOrigin();
        if (origin != null && !allowedOrigins.contains(origin.toLowerCase(Locale.ROOT))) {
            throw refused("Origin not allowed");
        }
    }

    private static ApiException refused(String detail) {
        return ApiException.of(HttpStatus.FORBIDDEN, ProblemTypes.of("csrf-rejected"), "Forbidden", detail);
    }
}
