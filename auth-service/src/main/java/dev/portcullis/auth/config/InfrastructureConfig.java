package dev.portcullis.auth.config;

import dev.portcullis.redis.RedisConnections;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import java.time.Clock;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The shared infrastructure beans: the clock every time decision reads, and the Redis connection. */
@Configuration(proxyBeanMethods = false)
class InfrastructureConfig {

    /** One clock for tokens, keys, TOTP and limits, so that tests can move time instead of waiting. */
    @Bean
    @ConditionalOnMissingBean
    Clock clock() {
        return Clock.systemUTC();
    }

    /** Connects eagerly: a wrong {@code REDIS_URL} fails the start-up rather than the first login. */
    @Bean(destroyMethod = "close")
    RedisConnections redisConnections(AuthProperties properties) {
        AuthProperties.Redis redis = properties.redis();
        return RedisConnections.connect(redis.url(), redis.settings());
    }

    @Bean
    RedisClusterReactiveCommands<String, String> redisCommands(RedisConnections connections) {
        return connections.reactive();
    }
}
