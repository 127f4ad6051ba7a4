package dev.portcullis.gateway.resilience;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How the gateway treats upstreams ({@code portcullis.resilience.*}). Timeouts are Spring Cloud Gateway's own
 * ({@code spring.cloud.gateway.server.webflux.httpclient.connect-timeout / response-timeout}, per route
 * {@code metadata.response-timeout / connect-timeout}); circuit breakers and retries are Portcullis'.
 *
 * @param retries            retries after a failed connection, for {@code retry-methods} only (override per route
 *                           with {@code metadata.policy.retries})
 * @param retryMethods       idempotent methods without a body that may be retried
 * @param retryBackoff       first back-off; doubles each retry
 * @param failureRateThreshold percentage of failed calls that opens a route's breaker
 * @param slowCallThreshold  calls slower than this count as slow
 * @param minimumCalls       calls in the window before the rate counts
 * @param windowSize         calls in the sliding window
 * @param openFor            how long an open breaker refuses calls (also the {@code Retry-After})
 */
@Validated
@ConfigurationProperties("portcullis.resilience")
public record ResilienceProperties(
        @DefaultValue("2") @Min(0) @Max(5) int retries,
        @DefaultValue({"GET", "HEAD", "OPTIONS"}) @NotEmpty Set<String> retryMethods,
        @DefaultValue("50ms") @NotNull Duration retryBackoff,
        @DefaultValue("50") @Min(1) @Max(100) int failureRateThreshold,
        @DefaultValue("10s") @NotNull Duration slowCallThreshold,
        @DefaultValue("10") @Min(1) int minimumCalls,
        @DefaultValue("50") @Min(1) int windowSize,
        @DefaultValue("10s") @NotNull Duration openFor) {

    public ResilienceProperties {
        for (String method : retryMethods) {
            if (!Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE").contains(method)) {
                throw new IllegalArgumentException("portcullis.resilience.retry-methods: '" + method
                        + "' is not an idempotent method (GET, HEAD, OPTIONS, PUT, DELETE)");
            }
        }
    }
}
