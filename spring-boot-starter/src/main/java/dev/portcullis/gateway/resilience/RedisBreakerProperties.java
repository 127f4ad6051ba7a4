package dev.portcullis.gateway.resilience;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * A circuit breaker in front of Redis ({@code portcullis.revocation.circuit-breaker.*},
 * {@code portcullis.rate-limit.circuit-breaker.*}): it trips when Redis fails, so that each call is answered by the
 * caller's failure policy at once instead of waiting for its timeout. One shape and one set of defaults for both.
 *
 * @param failureRateThreshold percentage of failed calls that opens the breaker
 * @param minimumCalls         calls needed before the rate counts
 * @param windowSize           calls in the sliding window
 * @param openFor              how long the breaker stays open before it probes again; also the {@code Retry-After} of
 *                             a request refused because of it
 */
public record RedisBreakerProperties(
        @DefaultValue("50") @Min(1) @Max(100) int failureRateThreshold,
        @DefaultValue("5") @Min(1) int minimumCalls,
        @DefaultValue("20") @Min(1) int windowSize,
        @DefaultValue("5s") @NotNull Duration openFor) {

    /** The Resilience4j configuration of a breaker with these settings. */
    public CircuitBreakerConfig toConfig() {
        return CircuitBreakerConfig.custom()
                .failureRateThreshold(failureRateThreshold)
                .minimumNumberOfCalls(minimumCalls)
                .slidingWindowSize(windowSize)
                .waitDurationInOpenState(openFor)
                // an open breaker refuses every call with an exception: without a stack trace, each costs next to nothing
                .writableStackTraceEnabled(false)
                .build();
    }
}
