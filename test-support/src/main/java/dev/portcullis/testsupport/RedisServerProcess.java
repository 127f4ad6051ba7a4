package dev.portcullis.testsupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One real redis-server process on loopback. Start-up waits for the server's own "Ready to accept connections"
 * line rather than for a fixed time. {@link #stop()} and {@link #start()} on the same port let tests take Redis away
 * and bring it back.
 */
public final class RedisServerProcess implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private static final String READY = "Ready to accept connections";
    /** A Sentinel prints no "Ready" line; it is ready once it has started monitoring its master. */
    private static final String SENTINEL_READY = "+monitor master";

    private final int port;
    private final List<String> leadingArgs;
    private final List<String> extraArgs;
    private final String readyLine;
    private final Path workDir;
    private Process process;

    private RedisServerProcess(int port, List<String> extraArgs) {
        this(port, List.of(), extraArgs, READY);
    }

    private RedisServerProcess(int port, List<String> leadingArgs, List<String> extraArgs, String readyLine) {
        this.port = port;
        this.leadingArgs = List.copyOf(leadingArgs);
        this.extraArgs = List.copyOf(extraArgs);
        this.readyLine = readyLine;
        try {
            this.workDir = Files.createTempDirectory("portcullis-redis-" + port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts a standalone server without persistence on a free port. */
    public static RedisServerProcess startStandalone() {
        RedisServerProcess server = new RedisServerProcess(freePort(), List.of());
        server.start();
        return server;
    }

    /**
     * Starts a cluster-enabled node with no slots yet; {@link TestRedisCluster} joins them. Its bus port is its port +
     * 10000, which {@link #freePort()} does not check: a clash shows as a node that never joins.
     */
    static RedisServerProcess startClusterNode() {
        int port = freeClusterPort();
        RedisServerProcess server = new RedisServerProcess(port,
                List.of("--cluster-enabled", "yes", "--cluster-config-file", "nodes-" + port + ".conf",
                        // 2 s: how long a silent master takes to be judged failed (then its replica is promoted)
                        "--cluster-node-timeout", "2000",
                        // as the README asks of production clusters: the other masters keep serving their slots while
                        // one is failed over (the default, yes, answers CLUSTERDOWN for every key meanwhile)
                        "--cluster-require-full-coverage", "no"));
        server.start();
        return server;
    }

    /** Starts a standalone server replicating {@code master}; {@link TestRedisSentinel} promotes it. */
    static RedisServerProcess startReplicaOf(RedisServerProcess master) {
        RedisServerProcess server = new RedisServerProcess(freePort(),
                List.of("--replicaof", "127.0.0.1", Integer.toString(master.port())));
        server.start();
        return server;
    }

    /**
     * Starts a Sentinel watching {@code master} under {@code masterName}. A Sentinel rewrites its configuration file,
     * so it gets one of its own in its work directory.
     */
    static RedisServerProcess startSentinel(RedisServerProcess master, String masterName, int quorum, Duration downAfter) {
        int port = freePort();
        RedisServerProcess server;
        try {
            Path dir = Files.createTempDirectory("portcullis-sentinel-" + port);
            Path config = dir.resolve("sentinel.conf");
            Files.writeString(config, String.join("\n",
                    "sentinel monitor " + masterName + " 127.0.0.1 " + master.port() + " " + quorum,
                    "sentinel down-after-milliseconds " + masterName + " " + downAfter.toMillis(),
                    "sentinel failover-timeout " + masterName + " 10000",
                    "sentinel parallel-syncs " + masterName + " 1", ""));
            server = new RedisServerProcess(port, List.of(config.toString(), "--sentinel"), List.of(), SENTINEL_READY);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.start();
        return server;
    }

    public synchronized void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        List<String> command = new ArrayList<>(List.of(RedisBinary.path().toString()));
        command.addAll(leadingArgs);
        command.addAll(List.of("--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", workDir.toString(), "--loglevel", "notice"));
        command.addAll(extraArgs);
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command.getFirst(), e);
        }
        CompletableFuture<Void> ready = new CompletableFuture<>();
        Process started = process;
        Thread reader = new Thread(() -> drain(started, ready, readyLine), "redis-" + port + "-log");
        reader.setDaemon(true);
        reader.start();
        try {
            ready.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            process.destroyForcibly();
            throw new IllegalStateException("redis-server on port " + port + " did not become ready", e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly));
    }

    private static void drain(Process process, CompletableFuture<Void> ready, String readyLine) {
        StringBuilder seen = new StringBuilder();
        try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (!ready.isDone()) {
                    seen.append(line).append('\n');
                    if (line.contains(readyLine)) {
                        ready.complete(null);
                    }
                }
            }
        } catch (IOException ignored) {
            // the process ended; the future below says so
        }
        ready.completeExceptionally(new IllegalStateException("redis-server exited:\n" + seen));
    }

    /** Kills the server (as a crash would): clients see their connections drop. */
    public synchronized void stop() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    public int port() {
        return port;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    @Override
    public void close() {
        stop();
    }

    /** A free port whose cluster bus port (+10000) is free too. */
    static int freeClusterPort() {
        for (int attempt = 0; attempt < 50; attempt++) {
            int port = freePort();
            if (port + 10000 <= 65535 && isFree(port + 10000)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port pair (port, port + 10000) for a cluster node");
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket(port)) {
            socket.setReuseAddress(true);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
