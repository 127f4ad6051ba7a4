package dev.portcullis.gateway.explain;

import java.util.Map;

/**
 * The request to explain: the request a client would send to the public port.
 *
 * @param token   the access token (without {@code Bearer}); null or absent explains a request without one
 * @param method  the HTTP method, e.g. {@code POST}
 * @param path    the request path (and query), e.g. {@code /api/orders/o-1/cancel}
 * @param headers other request headers route predicates may look at ({@code Host}, say); optional
 */
public record ExplainRequest(String token, String method, String path, Map<String, String> headers) {

    public ExplainRequest {
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }
}
