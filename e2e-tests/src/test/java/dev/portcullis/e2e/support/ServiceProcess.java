package dev.portcullis.e2e.support;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One application of the stack running as its own {@code java -jar} process, launched with the JDK that runs the
 * tests, its output in {@code target/e2e-logs/<name>.log}. Ready when its management port's
 * {@code /actuator/health/readiness} answers 200.
 */
final class ServiceProcess implements AutoCloseable {

    /** Small heaps and quick start-up (as ./local-stack does): five JVMs share a small machine with the test JVM. */
    private static final List<String> JVM_OPTIONS =
            List.of("-Xms32m", "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto");
    private static final HttpClient PROBE = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private final String name;
    private final int managementPort;
    private final Path log;
    private final Process process;

    private ServiceProcess(String name, int managementPort, Path log, Process process) {
        this.name = name;
        this.managementPort = managementPort;
        this.log = log;
        this.process = process;
    }

    static ServiceProcess start(String name, Path jar, Map<String, String> env, List<String> arguments, int managementPort,
                                Path logDir) {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build it first (./mvnw -pl e2e-tests -am verify "
                    + "packages every module before this one)");
        }
        String java = ProcessHandle.current().info().command()
                .orElseThrow(() -> new IllegalStateException("cannot tell which java runs the tests"));
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(JVM_OPTIONS);
        command.add("-jar");
        command.add(jar.toString());
        command.addAll(arguments);
        Path log = logDir.resolve(name + ".log");
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(logDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(env);
        try {
            return new ServiceProcess(name, managementPort, log, builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
    }

    /** Waits for readiness; fails at once, with the log's tail, if the process exits first. */
    void awaitReady(Duration timeout) {
        URI readiness = URI.create("http://127.0.0.1:" + managementPort + "/actuator/health/readiness");
        try {
            await("readiness of " + name).atMost(timeout).pollInterval(Duration.ofMillis(250))
                    .until(() -> ready(readiness));
        } catch (RuntimeException | Error e) {
            throw new IllegalStateException(name + " did not become ready (" + e.getMessage() + "); last lines of "
                    + log + ":\n" + tail(40), e);
        }
    }

    private boolean ready(URI readiness) throws InterruptedException {
        if (!process.isAlive()) {
            throw new IllegalStateException(name + " exited with status " + process.exitValue());
        }
        try {
            HttpRequest request = HttpRequest.newBuilder(readiness).timeout(Duration.ofSeconds(2)).GET().build();
            return PROBE.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException notYetListening) {
            return false;
        }
    }

    String name() {
        return name;
    }

    String tail(int lines) {
        try {
            // stack frames say little here; the messages ("Caused by: ...") say what went wrong
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                    .filter(line -> !line.startsWith("\tat ") && !line.startsWith("\t... ")).toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    int managementPort() {
        return managementPort;
    }

    /** SIGTERM (Spring's graceful shutdown), then SIGKILL after 10 s; children too. */
    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
