package dev.portcullis.orders.catalog;

import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code portcullis.product-service.*}: where and how patiently the order-service asks product-service for prices.
 *
 * @param url             base URL, called directly, not through the gateway ({@code PRODUCT_SERVICE_URL})
 * @param connectTimeout  TCP connect limit
 * @param responseTimeout limit for the whole answer of one product lookup
 * @param retryAfter      the {@code Retry-After} given to clients when product-service is unavailable
 */
@Validated
@ConfigurationProperties("portcullis.product-service")
public record ProductServiceProperties(
        @NotNull @DefaultValue("http://localhost:8082") URI url,
        @NotNull @DefaultValue("1s") Duration connectTimeout,
        @NotNull @DefaultValue("3s") Duration responseTimeout,
        @NotNull @DefaultValue("5s") Duration retryAfter) {
}
