package dev.portcullis.e2e.support;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.stream.Collectors;

/** Form bodies and HTTP Basic credentials, as OAuth clients send them to a token endpoint. */
public final class Forms {

    private Forms() {
    }

    /** {@code a=1&b=2}, each name and value URL-encoded, in the map's order. */
    public static String encode(Map<String, String> fields) {
        return fields.entrySet().stream()
                .map(field -> URLEncoder.encode(field.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(field.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }

    /** The {@code Authorization} value of HTTP Basic client authentication (RFC 6749 §2.3.1: both parts form-encoded). */
    public static String basic(String clientId, String secret) {
        String pair = URLEncoder.encode(clientId, StandardCharsets.UTF_8) + ":" + URLEncoder.encode(secret, StandardCharsets.UTF_8);
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }
}
