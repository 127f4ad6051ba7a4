package dev.portcullis.gateway.config;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.config.ConfigDataEnvironmentPostProcessor;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * The Spring Boot and Spring Cloud Gateway settings the edge relies on, as defaults of the lowest precedence: any
 * application (the standalone gateway, or a team's own gateway with the starter) gets them without writing them, and
 * can still see each one here. Each line says what would break without it.
 */
public final class EdgeDefaults implements EnvironmentPostProcessor, Ordered {

    /** The property source's name, last in the environment. */
    public static final String NAME = "portcullisEdgeDefaults";

    static final Map<String, Object> DEFAULTS = defaults();

    private static Map<String, Object> defaults() {
        Map<String, Object> defaults = new LinkedHashMap<>();
        // Reactor Netty and Spring must never rewrite the remote address, scheme, host or path from forwarded headers:
        // unset, Spring Boot switches that on by itself on every cloud platform (a Kubernetes pod), and any client would
        // choose its own address. Who is believed is portcullis.http.trusted-proxies only.
        defaults.put("server.forward-headers-strategy", "none");
        // HTTP/1.1 only: HTTP/2 connections would bypass the request-line and header screen (true refuses to start)
        defaults.put("server.http2.enabled", "false");
        // Netty's hard limit; the limit clients see, with a problem+json 431, is portcullis.http.max-header-bytes
        defaults.put("server.max-http-request-header-size", "64KB");
        // the gateway's hop is written by ForwardedHopHeadersFilter in one pass; Spring Cloud Gateway's two filters
        // would append it again
        defaults.put("spring.cloud.gateway.server.webflux.forwarded.enabled", "false");
        defaults.put("spring.cloud.gateway.server.webflux.x-forwarded.enabled", "false");
        // each request is timed once, by portcullis.gateway.requests (route, method, status: all bounded)
        defaults.put("spring.cloud.gateway.server.webflux.metrics.enabled", "false");
        defaults.put("spring.cloud.gateway.server.webflux.observability.enabled", "false");
        defaults.put("management.observations.enable.http.server.requests", "false");
        // Spring Cloud Gateway's actuator endpoint edits routes: never
        defaults.put("management.endpoint.gateway.access", "none");
        // no traffic before every trusted issuer's keys have loaded
        defaults.put("management.endpoint.health.probes.enabled", "true");
        defaults.put("management.endpoint.health.group.readiness.include", "readinessState,jwks");
        return Map.copyOf(defaults);
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (!environment.getPropertySources().contains(NAME)) {
            environment.getPropertySources().addLast(new MapPropertySource(NAME, new LinkedHashMap<>(DEFAULTS)));
        }
    }

    /** After the configuration files are loaded, so that they come before these defaults. */
    @Override
    public int getOrder() {
        return ConfigDataEnvironmentPostProcessor.ORDER + 1;
    }
}
