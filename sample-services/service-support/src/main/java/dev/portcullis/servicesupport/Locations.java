package dev.portcullis.servicesupport;

import java.net.URI;
import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * {@code Location} headers that work through the gateway. The gateway strips a route prefix ({@code /api}) before the
 * service sees the path and says so in {@code X-Forwarded-Prefix}; a location built from the service's own path
 * alone would match no route at the edge. Only the gateway reaches a service, so the header is trusted, but it is
 * still checked to be a plain path.
 */
public final class Locations {

    private Locations() {
    }

    /** @param path the resource's path as this service serves it, e.g. {@code /orders/o-1000} */
    public static URI of(ServerHttpRequest request, String path) {
        String prefix = request.getHeaders().getFirst("X-Forwarded-Prefix");
        return URI.create(isPlainPath(prefix) ? prefix + path : path);
    }

    static boolean isPlainPath(String prefix) {
        if (prefix == null || prefix.isEmpty() || prefix.charAt(0) != '/' || prefix.length() > 128 || prefix.endsWith("/")) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            char c = prefix.charAt(i);
            if (!(Character.isLetterOrDigit(c) && c < 0x80) && c != '/' && c != '-' && c != '_' && c != '.') {
                return false;
            }
        }
        return !prefix.contains("//") && !prefix.contains("..");
    }
}
