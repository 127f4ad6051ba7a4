package dev.portcullis.e2e.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** One HTTP request to the gateway, built fluently and sent with {@link #send()}. */
public final class Request {

    /** Prices stay exact: floats are read as BigDecimal. */
    static final JsonMapper JSON = JsonMapper.builder().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();

    private final String baseUrl;
    private final String method;
    private final String path;
    private final List<String[]> headers = new ArrayList<>();
    private HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.noBody();

    Request(String baseUrl, String clientAddress, String method, String path) {
        this.baseUrl = baseUrl;
        this.method = method;
        this.path = path;
        header("X-Forwarded-For", clientAddress);
    }

    public Request bearer(String accessToken) {
        return header("Authorization", "Bearer " + accessToken);
    }

    public Request cookie(String name, String value) {
        return header("Cookie", name + "=" + value);
    }

    public Request header(String name, String value) {
        headers.add(new String[] {name, value});
        return this;
    }

    /** A JSON body: a string as is, anything else serialised by Jackson. */
    public Request json(Object value) {
        header("Content-Type", "application/json");
        String text = value instanceof String raw ? raw : JSON.writeValueAsString(value);
        body = HttpRequest.BodyPublishers.ofString(text);
        return this;
    }

    /** An {@code application/x-www-form-urlencoded} body (OAuth token requests); the values are encoded here. */
    public Request form(java.util.Map<String, String> fields) {
        header("Content-Type", "application/x-www-form-urlencoded");
        body = HttpRequest.BodyPublishers.ofString(Forms.encode(fields));
        return this;
    }

    public Response send() {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofSeconds(20))
                .method(method, body);
        for (String[] header : headers) {
            builder.header(header[0], header[1]);
        }
        try {
            HttpResponse<String> response = Gateway.HTTP.send(builder.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(method + " " + path, response.statusCode(), response.headers(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(method + " " + path + " interrupted", e);
        }
    }
}
