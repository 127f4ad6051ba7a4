package dev.portcullis.gateway.config;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The Redis the gateway shares with the auth service and the other gateway instances ({@code portcullis.redis.*}).
 *
 * @param url            {@code REDIS_URL}: one node, {@code redis-sentinel://…#master}, or a comma list for Cluster
 * @param commandTimeout upper bound of any command
 * @param connectTimeout upper bound of connecting
 */
@Validated
@ConfigurationProperties("portcullis.redis")
public record RedisProperties(
        @DefaultValue("redis://localhost:6379") @NotBlank String url,
        @DefaultValue("500ms") @NotNull Duration commandTimeout,
        @DefaultValue("2s") @NotNull Duration connectTimeout) {
}
