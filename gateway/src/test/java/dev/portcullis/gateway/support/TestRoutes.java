package dev.portcullis.gateway.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ClassPathResource;

/**
 * Adds the routes of {@code gateway-test-routes.yml} after the routes application.yml ships, so that tests exercise the
 * real routes and a few test-only ones in one context.
 *
 * <p>Why not simply a second YAML file: Spring Boot binds a list from the highest property source that has it, so an
 * extra file with routes would replace the shipped ones instead of adding to them. This copies application.yml's
 * routes, appends the test routes with indexes after them, and puts the result just above application.yml. A test
 * class that declares its own route list (in a higher source, e.g. {@code @DynamicPropertySource}) still wins.
 */
public final class TestRoutes implements ApplicationContextInitializer<ConfigurableApplicationContext> {

    static final String ROUTES = "spring.cloud.gateway.server.webflux.routes";
    private static final Pattern INDEX = Pattern.compile("^" + Pattern.quote(ROUTES) + "\\[(\\d+)](.*)$");

    /** A local port that nothing listens on: the upstream of the "service is down" routes. */
    public static final int CLOSED_PORT = freePort();

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        MutablePropertySources sources = context.getEnvironment().getPropertySources();
        EnumerablePropertySource<?> shipped = sources.stream()
                .filter(source -> source.getName().contains("[application.yml]"))
                .filter(EnumerablePropertySource.class::isInstance)
                .map(source -> (EnumerablePropertySource<?>) source)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("application.yml is not among the property sources"));
        Map<String, Object> routes = new LinkedHashMap<>();
        int shippedCount = 0;
        for (String name : shipped.getPropertyNames()) {
            Matcher matcher = INDEX.matcher(name);
            if (matcher.matches()) {
                routes.put(name, shipped.getProperty(name));
                shippedCount = Math.max(shippedCount, Integer.parseInt(matcher.group(1)) + 1);
            }
        }
        for (PropertySource<?> source : testRouteSources()) {
            for (String name : ((EnumerablePropertySource<?>) source).getPropertyNames()) {
                Matcher matcher = INDEX.matcher(name);
                if (matcher.matches()) {
                    int index = shippedCount + Integer.parseInt(matcher.group(1));
                    routes.put(ROUTES + "[" + index + "]" + matcher.group(2), source.getProperty(name));
                }
            }
        }
        routes.put("portcullis-test.upstream-url", GatewayIntegrationTest.upstream.baseUrl());
        routes.put("portcullis-test.closed-port", Integer.toString(CLOSED_PORT));
        routes.put("portcullis-test.stream-port", Integer.toString(StreamUpstream.port()));
        sources.addBefore(shipped.getName(), new MapPropertySource("gateway-test-routes", routes));
    }

    private static List<PropertySource<?>> testRouteSources() {
        try {
            return new YamlPropertySourceLoader().load("gateway-test-routes.yml", new ClassPathResource("gateway-test-routes.yml"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
