package dev.portcullis.gateway.config;

import dev.portcullis.redis.RedisConnections;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The Redis the gateway shares with the auth service and the other gateway instances ({@code portcullis.redis.*}).
 *
 * @param url                        {@code REDIS_URL}: one node, {@code redis-sentinel://…#master}, or a comma list for Cluster
 * @param commandTimeout             upper bound of any command
 * @param connectTimeout             upper bound of connecting
 * @param topologyRefreshPeriod      Cluster: the topology is re-read this often whatever happens (the back-stop)
 * @param adaptiveRefreshMinInterval Cluster: least time between two refreshes triggered by redirects or failing
 *                                   reconnects; after a promotion the next one finds the new master
 * @param reconnectDelayMax          reconnect attempts back off up to this (Lettuce's default is 30 s)
 */
@Validated
@ConfigurationProperties("portcullis.redis")
public record RedisProperties(
        @DefaultValue("redis://localhost:6379") @NotBlank String url,
        @DefaultValue("500ms") @NotNull Duration commandTimeout,
        @DefaultValue("2s") @NotNull Duration connectTimeout,
        @DefaultValue("5s") @NotNull Duration topologyRefreshPeriod,
        @DefaultValue("250ms") @NotNull Duration adaptiveRefreshMinInterval,
        @DefaultValue("250ms") @NotNull Duration reconnectDelayMax) {

    public RedisProperties {
        positive("command-timeout", commandTimeout);
        positive("connect-timeout", connectTimeout);
        positive("topology-refresh-period", topologyRefreshPeriod);
        positive("adaptive-refresh-min-interval", adaptiveRefreshMinInterval);
        positive("reconnect-delay-max", reconnectDelayMax);
    }

    private static void positive(String key, Duration value) {
        if (value != null && (value.isNegative() || value.isZero())) {
            throw new IllegalArgumentException("portcullis.redis." + key + " must be positive, was " + value);
        }
    }

    /** What {@link RedisConnections} takes. */
    public RedisConnections.Settings settings() {
        return new RedisConnections.Settings(commandTimeout, connectTimeout, topologyRefreshPeriod,
                adaptiveRefreshMinInterval, reconnectDelayMax);
    }
}
