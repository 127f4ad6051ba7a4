package dev.portcullis.gateway.revocation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.gateway.resilience.RedisBreakerProperties;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The Retry-After of a request refused because revocation could not be checked is the breaker's own open interval. */
class RevocationRetryAfterTest {

    @Test
    void theRetryAfterOfAnUnknownStatusIsTheOpenIntervalOfTheBreakerThatDecidedIt() {
        RedisBreakerProperties settings = new RedisBreakerProperties(50, 5, 20, Duration.ofSeconds(7));
        CircuitBreaker breaker = CircuitBreaker.of("redis-revocation", settings.toConfig());
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        // the lookup is never asked here: no Redis connection is needed to read its breaker
        RedisRevocationLookup lookup = new RedisRevocationLookup(null, breaker, Duration.ofMillis(250), meters);

        assertThat(lookup.retryAfterUnknown()).isEqualTo(Duration.ofSeconds(7));
        assertThat(FallbackRevocationChecker.lookupOnly(lookup, meters).retryAfterUnknown()).isEqualTo(Duration.ofSeconds(7));
    }
}
