package dev.portcullis.auth.observability;

import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import java.time.Duration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * {@code redis} health (part of readiness): without Redis this service can neither check revocations nor limits, so
 * it answers 503 and should not receive traffic.
 */
@Component("redis")
final class RedisHealthIndicator implements ReactiveHealthIndicator {

    private final RedisClusterReactiveCommands<String, String> redis;

    RedisHealthIndicator(RedisClusterReactiveCommands<String, String> redis) {
        this.redis = redis;
    }

    @Override
    public Mono<Health> health() {
        return redis.ping()
                .timeout(Duration.ofSeconds(2))
                .map(pong -> Health.up().build())
                .onErrorResume(e -> Mono.just(Health.down().withDetail("error", e.getClass().getSimpleName()).build()));
    }
}
