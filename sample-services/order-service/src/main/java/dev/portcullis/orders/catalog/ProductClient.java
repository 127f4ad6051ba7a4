package dev.portcullis.orders.catalog;

import dev.portcullis.orders.servicetoken.ServiceTokenCache;
import io.netty.channel.ChannelOption;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientResponseException;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/**
 * Looks products up in product-service, service to service: directly at {@code PRODUCT_SERVICE_URL} with the
 * order-service's own client-credentials token, not through the gateway and not with the user's token.
 *
 * <p>Failure policy: a 404 is the caller's mistake ({@link UnknownProductException}); a 401 means our token went
 * stale (for instance after a key rotation), so it is dropped and the lookup retried once with a fresh one;
 * everything else (connection refused, timeout, 5xx, 403) is {@link ProductServiceUnavailableException}, which
 * clients see as 503 with {@code Retry-After}: an order is never priced without product-service.
 */
@Component
public final class ProductClient {

    private static final Log LOG = LogFactory.getLog(ProductClient.class);

    private final WebClient http;
    private final ServiceTokenCache tokens;
    private final ProductServiceProperties properties;

    ProductClient(ServiceTokenCache tokens, ProductServiceProperties properties) {
        HttpClient client = HttpClient.create()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, Math.toIntExact(properties.connectTimeout().toMillis()))
                .responseTimeout(properties.responseTimeout());
        this.http = WebClient.builder()
                .baseUrl(properties.url().toString())
                .clientConnector(new ReactorClientHttpConnector(client))
                .build();
        this.tokens = tokens;
        this.properties = properties;
    }

    public Mono<CatalogProduct> product(String productId) {
        return tokens.accessToken()
                .flatMap(token -> lookUp(productId, token)
                        .onErrorResume(StaleToken.class, stale -> {
                            tokens.invalidate(token);
                            return tokens.accessToken().flatMap(fresh -> lookUp(productId, fresh));
                        }))
                .onErrorMap(StaleToken.class,
                        stale -> new ProductServiceUnavailableException("product-service refused a fresh token", null));
    }

    private Mono<CatalogProduct> lookUp(String productId, String token) {
        return http.get()
                .uri("/products/{id}", productId)
                .headers(headers -> headers.setBearerAuth(token))
                .accept(MediaType.APPLICATION_JSON)
                .retrieve()
                .bodyToMono(CatalogProduct.class)
                .timeout(properties.responseTimeout().plus(properties.connectTimeout()))
                .onErrorMap(error -> translate(productId, error));
    }

    private static Throwable translate(String productId, Throwable error) {
        if (error instanceof WebClientResponseException response) {
            if (response.getStatusCode().value() == HttpStatus.NOT_FOUND.value()) {
                return new UnknownProductException(productId);
            }
            if (response.getStatusCode().value() == HttpStatus.UNAUTHORIZED.value()) {
                return new StaleToken();
            }
            LOG.warn("product-service answered " + response.getStatusCode().value() + " for product " + productId);
            return new ProductServiceUnavailableException("product-service answered " + response.getStatusCode().value(),
                    error);
        }
        LOG.warn("product-service unreachable for product " + productId + ": " + error.getClass().getSimpleName());
        return new ProductServiceUnavailableException("product-service unreachable", error);
    }

    /** product-service refused our token with 401: drop it and retry once. */
    private static final class StaleToken extends RuntimeException {

        StaleToken() {
            super("service token refused", null, false, false);
        }
    }
}
