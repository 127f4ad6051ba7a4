package dev.portcullis.gateway.web;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The request methods the gateway knows, decided once at start-up: the RFC 9110 methods plus {@code PATCH}, plus any
 * method a route lists (in its {@code Method} predicate or its policy's {@code access} rules). Methods are
 * case-sensitive tokens (RFC 9110 section 9.1): {@code get} is not {@code GET}. {@code TRACE} and {@code CONNECT} are
 * known but never served (a proxy has no business echoing requests or opening tunnels).
 *
 * <p>The set is what keeps client-chosen method names out of metric tags and log fields: anything outside it is
 * refused before any filter, route or observation sees it, and is counted as {@value #OTHER}.
 */
public final class RequestMethods {

    /** The one tag value and log field for every method outside the known set. */
    public static final String OTHER = "OTHER";

    /** RFC 9110 section 9 and RFC 5789, in the order an {@code Allow} header lists them. */
    static final List<String> STANDARD = List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT");
    /** The standard methods (RFC 9110 and PATCH). */
    public static List<String> standard() {
        return STANDARD;
    }

    /** Known, and always refused with 405. */
    public static final Set<String> NEVER_SERVED = Set.of("TRACE", "CONNECT");

    /** What the gateway does with a request method. */
    public enum Verdict {
        /** Routed (a route's own rules may still refuse it with 405). */
        SERVED,
        /** Known but never served: 405 with {@code Allow}. */
        NOT_ALLOWED,
        /** Not a method this gateway knows: 501. */
        UNKNOWN
    }

    private final Set<String> served;
    private final String allowHeader;

    private RequestMethods(Set<String> served) {
        this.served = Set.copyOf(served);
        this.allowHeader = String.join(", ", served);
    }

    /** The standard methods plus {@code listedByRoutes}, exactly as written (case-sensitive). */
    public static RequestMethods of(Collection<String> listedByRoutes) {
        Set<String> served = new LinkedHashSet<>(STANDARD);
        List<String> extra = new ArrayList<>(listedByRoutes);
        extra.sort(null);
        served.addAll(extra);
        served.removeAll(NEVER_SERVED);
        return new RequestMethods(served);
    }

    public Verdict verdict(String method) {
        if (served.contains(method)) {
            return Verdict.SERVED;
        }
        return NEVER_SERVED.contains(method) ? Verdict.NOT_ALLOWED : Verdict.UNKNOWN;
    }

    /** The method as a metric tag or log field: itself when known, else {@value #OTHER}. Never unbounded. */
    public String tag(String method) {
        return served.contains(method) || NEVER_SERVED.contains(method) ? method : OTHER;
    }

    /** Every method some route may serve, for the {@code Allow} header of a 405 that no route answered. */
    public String allowHeader() {
        return allowHeader;
    }

    /**
     * Whether {@code method} is an RFC 9110 token ({@code 1*tchar}); routes may list only such methods. At most 32
     * characters: no real method is longer.
     */
    public static boolean isToken(String method) {
        if (method == null || method.isEmpty() || method.length() > 32) {
            return false;
        }
        for (int i = 0; i < method.length(); i++) {
            char c = method.charAt(i);
            boolean tchar = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!tchar) {
                return false;
            }
        }
        return true;
    }
}
