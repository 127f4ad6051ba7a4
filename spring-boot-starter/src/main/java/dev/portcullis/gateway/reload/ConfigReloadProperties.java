package dev.portcullis.gateway.reload;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Reloading routes and policies from configuration files without a restart ({@code portcullis.config-reload.*}).
 *
 * @param paths    files or directories (walked) whose content is watched; a change triggers Spring Cloud's context
 *                 refresh: the configuration is read again, the routes refreshed and their policies recompiled. Empty
 *                 (the default): no watching; {@code POST /actuator/refresh} on the management port still reloads
 * @param interval how often the files are read and compared
 */
@ConfigurationProperties("portcullis.config-reload")
public record ConfigReloadProperties(@DefaultValue List<Path> paths, @DefaultValue("5s") Duration interval) {

    public ConfigReloadProperties {
        paths = paths == null ? List.of() : List.copyOf(paths);
        if (interval == null || interval.compareTo(Duration.ofMillis(100)) < 0) {
            throw new IllegalArgumentException("portcullis.config-reload.interval must be at least 100ms, was " + interval);
        }
    }
}
