package dev.portcullis.gateway.reload;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Watches configuration files and refreshes the application context when their content changes: how a route or
 * policy edited in a mounted Kubernetes ConfigMap (which the kubelet swaps in through a symlink, so file events are
 * unreliable) or in a file on disk takes effect without a restart.
 *
 * <p>Every {@code interval} it hashes the names and contents of the watched files (directories are walked, following
 * symlinks, skipping the kubelet's {@code ..data} entries, which hold the same files again); a different hash than last time calls
 * the refresh. Files are read on {@code boundedElastic}, never on the event loop. A file that cannot be read leaves the
 * last hash standing and is logged: a half-written file is picked up at the next tick, once complete.
 */
public final class ConfigFileWatcher implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ConfigFileWatcher.class);

    private final ConfigReloadProperties properties;
    private final Runnable refresh;
    private final Counter changes;
    private final Counter failures;
    private volatile byte[] lastHash;
    private volatile Disposable task;

    /**
     * @param refresh what a change triggers: Spring Cloud's {@code ContextRefresher.refresh()} (blocking; it runs on
     *                {@code boundedElastic})
     */
    public ConfigFileWatcher(ConfigReloadProperties properties, Runnable refresh, MeterRegistry meters) {
        this.properties = properties;
        this.refresh = refresh;
        this.changes = Counter.builder("portcullis.config.changes")
                .description("Changes of watched configuration files that triggered a refresh").register(meters);
        this.failures = Counter.builder("portcullis.config.refresh_failures")
                .description("Refreshes that failed (the configuration did not bind): routes and policies unchanged")
                .register(meters);
    }

    @Override
    public void start() {
        if (properties.paths().isEmpty()) {
            return;
        }
        lastHash = hashOrNull();
        log.info("event=config_watch_started paths={} interval={}", properties.paths(), properties.interval());
        task = Flux.interval(properties.interval(), Schedulers.boundedElastic())
                .onBackpressureDrop()
                .concatMap(tick -> Mono.fromRunnable(this::check).subscribeOn(Schedulers.boundedElastic())
                        .onErrorResume(error -> {
                            // A file that does not bind (a YAML typo in a predicate, say): Spring Cloud Gateway keeps
                            // its routes, the policies stay with them, and the next change is tried afresh.
                            failures.increment();
                            log.error("event=config_refresh_failed detail=\"routes and policies unchanged\" error=\"{}\"",
                                    causeChain(error));
                            return Mono.empty();
                        }), 1)
                .subscribe();
    }

    /** One comparison; public for tests that drive it without waiting for the timer. */
    void check() {
        byte[] hash = hashOrNull();
        if (hash == null || Arrays.equals(hash, lastHash)) {
            return;
        }
        lastHash = hash;
        changes.increment();
        log.info("event=config_changed paths={} detail=\"refreshing: routes and policies are reloaded\"", properties.paths());
        refresh.run();
    }

    /** Every message of the cause chain, outermost first: the binder's names the property that did not bind. */
    private static String causeChain(Throwable error) {
        StringBuilder chain = new StringBuilder();
        for (Throwable cause = error; cause != null && chain.length() < 1000; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (!chain.isEmpty()) {
                chain.append(" <- ");
            }
            chain.append(cause.getMessage());
        }
        return chain.toString().replace('"', '\'');
    }

    private byte[] hashOrNull() {
        try {
            return hash(properties.paths());
        } catch (UncheckedIOException e) {
            log.warn("event=config_watch_unreadable error=\"{}\"", e.getCause().toString());
            return null;
        }
    }

    static byte[] hash(List<Path> paths) {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (Path root : paths) {
            if (!Files.exists(root)) {
                digest.update(("missing:" + root + "\n").getBytes(StandardCharsets.UTF_8));
                continue;
            }
            try (Stream<Path> files = Files.walk(root, 4, FileVisitOption.FOLLOW_LINKS)) {
                for (Path file : files.filter(Files::isRegularFile).filter(ConfigFileWatcher::visible).sorted().toList()) {
                    digest.update((file + "\n").getBytes(StandardCharsets.UTF_8));
                    digest.update(Files.readAllBytes(file));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return digest.digest();
    }

    /** The kubelet's {@code ..data} and timestamped directories hold the same files as their visible links. */
    private static boolean visible(Path file) {
        for (Path part : file) {
            if (part.toString().startsWith("..")) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void stop() {
        Disposable running = task;
        if (running != null) {
            running.dispose();
        }
    }

    @Override
    public boolean isRunning() {
        Disposable running = task;
        return running != null && !running.isDisposed();
    }
}
