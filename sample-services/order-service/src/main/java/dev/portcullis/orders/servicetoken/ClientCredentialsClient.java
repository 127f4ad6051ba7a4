package dev.portcullis.orders.servicetoken;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientResponseException;
import reactor.core.publisher.Mono;

/**
 * One client-credentials request to the auth service: {@code POST /oauth2/token} with HTTP Basic client
 * authentication and the form {@code grant_type=client_credentials&audience=..&scope=..}.
 */
final class ClientCredentialsClient {

    private static final ParameterizedTypeReference<Map<String, Object>> JSON_OBJECT = new ParameterizedTypeReference<>() {
    };

    private final WebClient http;
    private final ServiceTokenProperties properties;
    private final Clock clock;

    ClientCredentialsClient(WebClient http, ServiceTokenProperties properties, Clock clock) {
        this.http = http;
        this.properties = properties;
        this.clock = clock;
    }

    Mono<ServiceToken> fetch() {
        return http.post()
                .uri(properties.authServiceUrl().resolve("/oauth2/token"))
                // RFC 6749 2.3.1: id and secret are form-encoded before they go into the Basic credentials.
                .headers(headers -> headers.setBasicAuth(formEncode(properties.clientId()),
                        formEncode(properties.clientSecret())))
                .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .accept(MediaType.APPLICATION_JSON)
                .body(BodyInserters.fromFormData("grant_type", "client_credentials")
                        .with("audience", properties.audience())
                        .with("scope", properties.scope()))
                .retrieve()
                .bodyToMono(JSON_OBJECT)
                .timeout(properties.timeout())
                .map(this::toToken)
                .onErrorMap(error -> !(error instanceof ServiceTokenUnavailableException),
                        error -> new ServiceTokenUnavailableException(describe(error), error));
    }

    private ServiceToken toToken(Map<String, Object> body) {
        if (!(body.get("access_token") instanceof String value) || value.isBlank()
                || !(body.get("expires_in") instanceof Number expiresIn) || expiresIn.longValue() <= 0) {
            throw new ServiceTokenUnavailableException("token response lacks access_token or expires_in", null);
        }
        Duration lifetime = Duration.ofSeconds(expiresIn.longValue());
        Duration margin = properties.refreshBeforeExpiry();
        if (margin.compareTo(lifetime.dividedBy(2)) > 0) {
            margin = lifetime.dividedBy(2);
        }
        Instant receivedAt = clock.instant();
        return new ServiceToken(value, receivedAt.plus(lifetime).minus(margin));
    }

    /** What went wrong, without the response body (it might echo credentials). */
    private static String describe(Throwable error) {
        if (error instanceof WebClientResponseException response) {
            return "auth service answered " + response.getStatusCode().value();
        }
        return "auth service unreachable: " + error.getClass().getSimpleName();
    }

    private static String formEncode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
