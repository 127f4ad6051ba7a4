package dev.portcullis.gateway.ratelimit;

import dev.portcullis.gateway.resilience.RedisBreakerProperties;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Defaults of the shared, Redis-backed rate limits ({@code portcullis.rate-limit.*}); a route overrides them with
 * {@code metadata.policy.rate-limit}.
 *
 * @param enabled       master switch
 * @param authenticated per user ({@code sub}) on authenticated routes
 * @param anonymous     per client IP on public routes
 * @param timeout       upper bound of the Redis call
 * @param maxLease      most tokens an instance takes from a shared bucket at once (1 = a Redis call per request);
 *                      a limit uses leases of burst/10, capped here
 * @param maxParties    bound on the parties (users, IPs) an instance keeps leases for
 * @param circuitBreaker the breakers in front of Redis, one per Redis node: while one is open, the buckets on that node
 *                      go unchecked at once (the limiter's failure policy) instead of each waiting for {@code timeout}
 */
@Validated
@ConfigurationProperties("portcullis.rate-limit")
public record RateLimitProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue @NotNull Limit authenticated,
        @DefaultValue @NotNull Limit anonymous,
        @DefaultValue("100ms") @NotNull Duration timeout,
        @DefaultValue("20") @Min(1) int maxLease,
        @DefaultValue("100000") @Min(1) int maxParties,
        @DefaultValue @Valid @NotNull @NestedConfigurationProperty RedisBreakerProperties circuitBreaker) {

    /**
     * {@code requests} per {@code period}, bursts up to {@code burst} (0 = {@code requests}).
     *
     * @param requests requests allowed per period
     * @param period   the refill period
     * @param burst    requests allowed at once (0 = requests)
     */
    public record Limit(@DefaultValue("600") @Min(1) int requests, @DefaultValue("1m") @NotNull Duration period,
                        @DefaultValue("0") @Min(0) int burst) {
    }
}
