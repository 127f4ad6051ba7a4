package dev.portcullis.e2e.support;

import java.net.http.HttpHeaders;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/** A response as the client received it. */
public record Response(String request, int status, HttpHeaders headers, String body) {

    public JsonNode json() {
        return Request.JSON.readTree(body);
    }

    public Optional<String> header(String name) {
        return headers.firstValue(name);
    }

    public String contentType() {
        return header("Content-Type").orElse("");
    }

    /** The value of the {@code refresh_token} cookie this response sets, if any (empty when it clears it). */
    public Optional<String> refreshCookie() {
        return headers.allValues("Set-Cookie").stream()
                .filter(cookie -> cookie.startsWith("refresh_token="))
                .map(cookie -> cookie.substring("refresh_token=".length()).split(";", 2)[0])
                .filter(value -> !value.isEmpty())
                .findFirst();
    }

    /** For assertion messages: the request, status and body (bodies carry tokens only on login and refresh). */
    @Override
    public String toString() {
        return request + " -> " + status + " " + (body.contains("access_token") ? "(token response)" : body);
    }
}
