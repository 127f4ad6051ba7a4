package dev.portcullis.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The Prometheus series the applications export, read out of their main sources: every Micrometer meter a
 * {@code Counter/Timer/Gauge/DistributionSummary.builder("name")} registers (and every Caffeine cache
 * {@code CaffeineCacheMetrics.monitor} names), rendered the way Micrometer's Prometheus registry does: dots become
 * underscores, counters end in {@code _total}, timers are {@code _seconds_count/_sum/_max} and, where the builder
 * publishes a histogram (service-level objectives or percentile histogram), {@code _seconds_bucket}. A meter
 * renamed or removed in the code makes the alert rules and the dashboard fail their tests.
 */
final class DocumentedMetrics {

    /** Series Prometheus makes itself for every target. */
    static final Set<String> SYNTHETIC = Set.of("up", "scrape_duration_seconds", "scrape_samples_scraped");

    /**
     * Series from the libraries rather than Portcullis' code: Resilience4j's breaker gauges, Spring Boot's JVM and
     * server-request meters (the gateway switches its http.server.requests off, the other applications keep it).
     */
    static final Set<String> LIBRARY = Set.of(
            "resilience4j_circuitbreaker_state",
            "resilience4j_circuitbreaker_calls_seconds_count",
            "jvm_memory_used_bytes",
            "http_server_requests_seconds_count",
            "http_server_requests_seconds_sum");

    /** The main sources of the applications that export metrics. */
    static final List<String> SOURCE_ROOTS = List.of("spring-boot-starter/src/main/java", "gateway/src/main/java",
            "auth-service/src/main/java", "sample-services", "redis-support/src/main/java");

    private static final Pattern BUILDER = Pattern.compile(
            "\\b(Counter|FunctionCounter|Timer|Gauge|DistributionSummary)\\.builder\\(\\s*\"([a-z0-9_.]+)\"");
    private static final Pattern CACHE = Pattern.compile("CaffeineCacheMetrics\\.monitor\\([^;]*?\"([a-z0-9_.]+)\"");

    static final Set<String> EXPORTED = exported();

    /** The series whose meter carries a {@code route} tag (the dashboard filters those by its route variable). */
    static final Set<String> ROUTE_TAGGED = routeTagged();

    private DocumentedMetrics() {
    }

    private static Set<String> exported() {
        Set<String> names = new TreeSet<>(LIBRARY);
        for (String root : SOURCE_ROOTS) {
            for (Path file : javaFiles(Repo.file(root))) {
                names.addAll(meterNames(read(file)));
            }
        }
        return names;
    }

    private static Set<String> routeTagged() {
        Set<String> names = new TreeSet<>();
        for (String root : SOURCE_ROOTS) {
            for (Path file : javaFiles(Repo.file(root))) {
                names.addAll(meterNames(read(file), true));
            }
        }
        return names;
    }

    /** The Prometheus names of the meters a source file registers. */
    static Set<String> meterNames(String source) {
        return meterNames(source, false);
    }

    private static Set<String> meterNames(String source, boolean routeTaggedOnly) {
        Set<String> names = new TreeSet<>();
        Matcher m = BUILDER.matcher(source);
        while (m.find()) {
            String name = m.group(2).replace('.', '_');
            int end = source.indexOf(';', m.end());
            String chain = source.substring(m.end(), end < 0 ? source.length() : end);
            if (routeTaggedOnly && !chain.contains(".tag(\"route\"")) {
                continue;
            }
            switch (m.group(1)) {
                case "Counter", "FunctionCounter" -> names.add(name + "_total");
                case "Gauge" -> names.add(name);
                case "Timer" -> {
                    names.addAll(List.of(name + "_seconds_count", name + "_seconds_sum", name + "_seconds_max"));
                    if (chain.contains("serviceLevelObjectives") || chain.contains("publishPercentileHistogram")) {
                        names.add(name + "_seconds_bucket");
                    }
                }
                default -> names.addAll(List.of(name + "_count", name + "_sum", name + "_max"));
            }
        }
        Matcher cache = CACHE.matcher(source);
        while (!routeTaggedOnly && cache.find()) {
            String name = cache.group(1).replace('.', '_');
            names.addAll(List.of(name + "_size", name + "_gets_total", name + "_puts_total", name + "_evictions_total"));
        }
        return names;
    }

    private static List<Path> javaFiles(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(f -> f.toString().endsWith(".java"))
                .filter(f -> f.toString().replace('\\', '/').contains("/src/main/java/"))
                .toList();
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
