package dev.portcullis.gateway.explain;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * {@code POST <management base path>/portcullis/explain}: checks the optional admin secret, reads the request to
 * explain, and answers the {@link Explanation} as JSON. Bad input is a 400 problem document; a missing or wrong
 * admin secret a 401. Each explanation is logged (route, decision, reason; never the token or who it belongs to).
 */
final class ExplainHandler {

    private static final Logger log = LoggerFactory.getLogger(ExplainHandler.class);
    static final int MAX_PATH_LENGTH = 8 * 1024;

    private final TokenExplainer explainer;
    private final ExplainProperties properties;

    ExplainHandler(TokenExplainer explainer, ExplainProperties properties) {
        this.explainer = explainer;
        this.properties = properties;
    }

    Mono<ServerResponse> explain(ServerRequest request) {
        if (properties.requiresAdminToken() && !properties.acceptsAdminToken(adminSecret(request))) {
            log.warn("event=explain_refused reason=admin_token");
            return problem(HttpStatus.UNAUTHORIZED, "Explaining requires the admin token (Authorization: Bearer ...)");
        }
        return request.bodyToMono(ExplainRequest.class)
                .flatMap(this::explain)
                .switchIfEmpty(Mono.defer(() -> problem(HttpStatus.BAD_REQUEST, "The request body is missing")))
                .onErrorResume(org.springframework.core.codec.CodecException.class,
                        error -> problem(HttpStatus.BAD_REQUEST, "The request body is not the expected JSON object"))
                .onErrorResume(org.springframework.web.server.ServerWebInputException.class,
                        error -> problem(HttpStatus.BAD_REQUEST, "The request body is not the expected JSON object"));
    }

    private Mono<ServerResponse> explain(ExplainRequest body) {
        if (body.method() == null || !body.method().matches("[A-Z][A-Z-]{0,19}")) {
            return problem(HttpStatus.BAD_REQUEST, "'method' must be an upper-case HTTP method such as GET or POST");
        }
        if (body.path() == null || body.path().isEmpty() || body.path().charAt(0) != '/' || body.path().length() > MAX_PATH_LENGTH) {
            return problem(HttpStatus.BAD_REQUEST, "'path' must be a request path starting with '/'");
        }
        URI uri;
        try {
            uri = new URI("http://localhost" + body.path());
        } catch (URISyntaxException e) {
            return problem(HttpStatus.BAD_REQUEST, "'path' is not a valid request path (percent-encode what needs it)");
        }
        return explainer.explain(HttpMethod.valueOf(body.method()), uri, body.token(), body.headers())
                .doOnNext(explanation -> log.info("event=explain route={} decision={} reason={}",
                        explanation.route(), explanation.decision().outcome(), explanation.decision().reason()))
                .flatMap(explanation -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                        .header(HttpHeaders.CACHE_CONTROL, "no-store").bodyValue(explanation));
    }

    private static String adminSecret(ServerRequest request) {
        String header = request.headers().firstHeader(HttpHeaders.AUTHORIZATION);
        if (header == null || header.length() < 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return header.substring(7).trim();
    }

    private static Mono<ServerResponse> problem(HttpStatus status, String detail) {
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("type", "about:blank");
        problem.put("title", status.getReasonPhrase());
        problem.put("status", status.value());
        problem.put("detail", detail);
        ServerResponse.BodyBuilder response = ServerResponse.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .header(HttpHeaders.CACHE_CONTROL, "no-store");
        if (status == HttpStatus.UNAUTHORIZED) {
            response.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"portcullis-management\"");
        }
        return response.bodyValue(problem);
    }
}
