package dev.portcullis.dpop;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * The {@code htu} comparison of RFC 9449 (section 4.3, check 9): the proof's URI and the request's, both without query
 * and fragment, normalised as RFC 3986 sections 6.2.2 and 6.2.3 say (scheme and host in lower case, the scheme's
 * default port dropped, an empty path as {@code /}, percent-encodings in upper case and unreserved characters decoded,
 * dot segments removed), then compared as strings.
 *
 * <p>The request's URI is the PUBLIC one the client addressed, which a server behind a proxy learns from
 * {@link #publicUri}: a configured public origin first, else the {@code X-Forwarded-Proto}/{@code -Host}/{@code -Prefix}
 * of a trusted proxy, else the request as the server received it.
 */
public final class DpopTargetUri {

    private DpopTargetUri() {
    }

    /** The normalised form of an absolute http(s) URI, or null when {@code value} is not one. */
    public static String normalize(String value) {
        if (value == null || value.isEmpty() || value.length() > 4096) {
            return null;
        }
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            return null;
        }
        String scheme = uri.getScheme();
        if (scheme == null || uri.getRawAuthority() == null || uri.getHost() == null || uri.getRawUserInfo() != null) {
            return null;
        }
        scheme = scheme.toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return null;
        }
        return of(scheme, uri.getHost(), uri.getPort(), uri.getRawPath());
    }

    /**
     * The normalised URI of a request.
     *
     * @param port -1 when absent
     * @param rawPath the path as sent (percent-encoded), empty or null for {@code /}
     */
    public static String of(String scheme, String host, int port, String rawPath) {
        String lowerScheme = scheme.toLowerCase(Locale.ROOT);
        StringBuilder out = new StringBuilder(64).append(lowerScheme).append("://").append(host.toLowerCase(Locale.ROOT));
        boolean defaultPort = port < 0 || (port == 80 && lowerScheme.equals("http")) || (port == 443 && lowerScheme.equals("https"));
        if (!defaultPort) {
            out.append(':').append(port);
        }
        return out.append(path(rawPath)).toString();
    }

    /**
     * The public URI of a request, normalised.
     *
     * @param publicOrigin   the configured public origin ({@code https://api.example.com}), or null
     * @param trustedPeer    whether the connection comes from a trusted proxy, whose forwarded headers are believed
     * @param forwardedProto {@code X-Forwarded-Proto} (comma-separated hops; the left-most, the client's, is used), or null
     * @param forwardedHost  {@code X-Forwarded-Host}, likewise
     * @param forwardedPrefix {@code X-Forwarded-Prefix}, likewise: a path a proxy stripped, put back in front
     * @param request        the request URI as this server received it
     */
    public static String publicUri(URI publicOrigin, boolean trustedPeer, String forwardedProto, String forwardedHost,
                                   String forwardedPrefix, URI request) {
        String path = request.getRawPath();
        if (publicOrigin != null) {
            return of(publicOrigin.getScheme(), publicOrigin.getHost(), publicOrigin.getPort(), prefixed(publicOrigin.getRawPath(), path));
        }
        String proto = trustedPeer ? first(forwardedProto) : null;
        String host = trustedPeer ? first(forwardedHost) : null;
        String prefix = trustedPeer ? first(forwardedPrefix) : null;
        String scheme = proto != null && (proto.equalsIgnoreCase("http") || proto.equalsIgnoreCase("https"))
                ? proto : request.getScheme();
        if (host != null) {
            String normalised = normalize(scheme + "://" + host + prefixed(prefix, path));
            if (normalised != null) {
                return normalised;
            }
        }
        int port = request.getPort();
        if (proto != null && host == null) {
            // the proxy changed the scheme only: the port the server listens on is not the one the client used
            port = -1;
        }
        return of(scheme, request.getHost() == null ? "localhost" : request.getHost(), port, prefixed(prefix, path));
    }

    private static String prefixed(String prefix, String path) {
        if (prefix == null || prefix.isEmpty() || prefix.equals("/")) {
            return path;
        }
        String base = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        return (base.startsWith("/") ? base : "/" + base) + (path == null ? "" : path);
    }

    private static String first(String header) {
        if (header == null) {
            return null;
        }
        int comma = header.indexOf(',');
        String value = (comma < 0 ? header : header.substring(0, comma)).trim();
        return value.isEmpty() ? null : value;
    }

    private static String path(String rawPath) {
        if (rawPath == null || rawPath.isEmpty()) {
            return "/";
        }
        String path = percentNormalised(rawPath);
        if (path.contains("/.") && !path.startsWith("//")) {
            path = URI.create(path).normalize().getRawPath();
        }
        return path;
    }

    /** Upper-case hex in percent-encodings; unreserved characters (RFC 3986 2.3) decoded. */
    private static String percentNormalised(String path) {
        if (path.indexOf('%') < 0) {
            return path;
        }
        StringBuilder out = new StringBuilder(path.length());
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '%' && i + 2 < path.length() && hex(path.charAt(i + 1)) >= 0 && hex(path.charAt(i + 2)) >= 0) {
                char decoded = (char) (hex(path.charAt(i + 1)) * 16 + hex(path.charAt(i + 2)));
                if ((decoded >= 'a' && decoded <= 'z') || (decoded >= 'A' && decoded <= 'Z') || (decoded >= '0' && decoded <= '9')
                        || decoded == '-' || decoded == '.' || decoded == '_' || decoded == '~') {
                    out.append(decoded);
                } else {
                    out.append('%').append(Character.toUpperCase(path.charAt(i + 1))).append(Character.toUpperCase(path.charAt(i + 2)));
                }
                i += 2;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static int hex(char c) {
        return Character.digit(c, 16);
    }
}
