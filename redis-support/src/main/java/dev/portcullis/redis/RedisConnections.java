package dev.portcullis.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import reactor.core.publisher.Mono;

/**
 * Lettuce connections made from one URL, whatever the deployment:
 * <ul>
 *   <li>{@code redis://host:6379} or {@code rediss://…} — a single node;</li>
 *   <li>{@code redis-sentinel://sentinel1:26379,sentinel2:26379/0#mymaster} — Sentinel, with fail-over;</li>
 *   <li>{@code redis://node1:6379,redis://node2:6379,…} (several comma-separated URIs) — Redis Cluster.</li>
 * </ul>
 * Callers program against {@link RedisClusterReactiveCommands}, which both the single-node and the cluster commands
 * implement, so the same code runs on either. Every command is bounded by the command timeout, so that a hung Redis
 * surfaces as an error quickly instead of piling up requests.
 *
 * <p>Riding out a fail-over (a master lost, a replica promoted) is about how soon the client notices. With Lettuce's
 * defaults it noticed late: reconnect attempts back off exponentially up to 30 s, and a cluster topology refresh
 * triggered by them was not repeated for 30 s, so the client kept sending a slot's commands to the dead master long
 * after Redis had promoted its replica (measured: 21-26 s after the cluster was healthy again). Here reconnects back
 * off only up to {@link Settings#reconnectDelayMax()}, every persistent reconnect triggers a topology refresh at most
 * every {@link Settings#adaptiveRefreshMinInterval()}, and a periodic refresh ({@link Settings#topologyRefreshPeriod()})
 * is the back-stop for a loss that causes no reconnect (a partition without a reset).
 */
public final class RedisConnections implements AutoCloseable {

    private final ClientResources resources;
    private final RedisClient client;
    private final RedisClusterClient clusterClient;
    private final StatefulRedisConnection<String, String> connection;
    private final StatefulRedisClusterConnection<String, String> clusterConnection;
    /** The single node's or Sentinel's URI; null on a cluster. */
    private final RedisURI uri;
    /** See {@link #writeAndWait}; null until first used. */
    private CompletableFuture<? extends StatefulConnection<String, String>> reserved;

    /**
     * How the client rides out a lost node.
     *
     * @param commandTimeout             upper bound for every command
     * @param connectTimeout             upper bound for opening a connection
     * @param topologyRefreshPeriod      Cluster: the topology is re-read this often whatever happens (the back-stop)
     * @param adaptiveRefreshMinInterval Cluster: a refresh triggered by a redirect or a failing reconnect is repeated no
     *                                   more often than this; the next one after a promotion sees the new master
     * @param reconnectDelayMax          reconnect attempts back off exponentially up to this, so that a node (or, on
     *                                   Sentinel, a new master) that is back is found within it
     */
    public record Settings(Duration commandTimeout, Duration connectTimeout, Duration topologyRefreshPeriod,
                           Duration adaptiveRefreshMinInterval, Duration reconnectDelayMax) {

        public static final Duration DEFAULT_TOPOLOGY_REFRESH_PERIOD = Duration.ofSeconds(5);
        public static final Duration DEFAULT_ADAPTIVE_REFRESH_MIN_INTERVAL = Duration.ofMillis(250);
        public static final Duration DEFAULT_RECONNECT_DELAY_MAX = Duration.ofMillis(250);

        public Settings {
            positive("command timeout", commandTimeout);
            positive("connect timeout", connectTimeout);
            positive("topology refresh period", topologyRefreshPeriod);
            positive("adaptive refresh minimum interval", adaptiveRefreshMinInterval);
            positive("reconnect delay maximum", reconnectDelayMax);
        }

        /** The given timeouts and the fail-over defaults above. */
        public static Settings of(Duration commandTimeout, Duration connectTimeout) {
            return new Settings(commandTimeout, connectTimeout, DEFAULT_TOPOLOGY_REFRESH_PERIOD,
                    DEFAULT_ADAPTIVE_REFRESH_MIN_INTERVAL, DEFAULT_RECONNECT_DELAY_MAX);
        }

        private static void positive(String what, Duration value) {
            if (value == null || value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("Redis " + what + " must be positive, was " + value);
            }
        }
    }

    private RedisConnections(ClientResources resources, RedisClient client, RedisURI uri, RedisClusterClient clusterClient) {
        this.resources = resources;
        this.uri = uri;
        this.client = client;
        this.clusterClient = clusterClient;
        this.connection = client != null ? client.connect() : null;
        this.clusterConnection = clusterClient != null ? clusterClient.connect() : null;
    }

    /** {@link #connect(String, Settings)} with the fail-over defaults of {@link Settings#of}. */
    public static RedisConnections connect(String url, Duration commandTimeout, Duration connectTimeout) {
        return connect(url, Settings.of(commandTimeout, connectTimeout));
    }

    /**
     * Connects eagerly, so that a wrong URL fails at start-up. Lettuce reconnects on its own afterwards.
     *
     * @param url see the class comment
     */
    public static RedisConnections connect(String url, Settings settings) {
        List<String> uris = Arrays.stream(url.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        if (uris.isEmpty()) {
            throw new IllegalArgumentException("Redis URL is empty");
        }
        ClientResources resources = ClientResources.builder()
                .reconnectDelay(Delay.exponential(Duration.ZERO, settings.reconnectDelayMax(), 2, TimeUnit.MILLISECONDS))
                .build();
        SocketOptions socket = SocketOptions.builder().connectTimeout(settings.connectTimeout()).keepAlive(true).build();
        TimeoutOptions timeouts = TimeoutOptions.enabled(settings.commandTimeout());
        try {
            if (uris.size() > 1 && !uris.getFirst().startsWith("redis-sentinel")) {
                List<RedisURI> seeds = uris.stream().map(RedisURI::create).toList();
                RedisClusterClient cluster = RedisClusterClient.create(resources, seeds);
                cluster.setOptions(ClusterClientOptions.builder()
                        .socketOptions(socket)
                        .timeoutOptions(timeouts)
                        // Fail fast while a node is disconnected instead of buffering its commands behind a dead socket.
                        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                        .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                                .enableAllAdaptiveRefreshTriggers()
                                .adaptiveRefreshTriggersTimeout(settings.adaptiveRefreshMinInterval())
                                // a connection to a dead master fails every reconnect: refresh from the first one on
                                .refreshTriggersReconnectAttempts(1)
                                .enablePeriodicRefresh(settings.topologyRefreshPeriod())
                                .build())
                        .build());
                return new RedisConnections(resources, null, null, cluster);
            }
            // Sentinel: each reconnect asks the Sentinels for the master anew, so a promoted replica is found by the
            // first reconnect after the promotion (at most reconnect-delay-max after it).
            RedisURI uri = RedisURI.create(url.trim());
            RedisClient single = RedisClient.create(resources, uri);
            single.setOptions(ClientOptions.builder()
                    .socketOptions(socket)
                    .timeoutOptions(timeouts)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .build());
            return new RedisConnections(resources, single, uri, null);
        } catch (RuntimeException e) {
            resources.shutdown(0, 2, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** Reactive commands on the shared, thread-safe connection. */
    public RedisClusterReactiveCommands<String, String> reactive() {
        return connection != null ? connection.reactive() : clusterConnection.reactive();
    }

    /**
     * Commands that all go to the master serving {@code key}'s slot, as of the client's current topology: on a cluster,
     * what keys sharing one hash tag need for a node-local command (a SCAN of just their node; a cluster-wide SCAN
     * fails while any master is down, even one that holds none of them). On a single node or Sentinel,
     * {@link #reactive()}. Errors when no master serves the slot.
     */
    public Mono<RedisClusterReactiveCommands<String, String>> onMasterOf(String key) {
        if (connection != null) {
            return Mono.just(connection.reactive());
        }
        return Mono.defer(() -> {
            RedisClusterNode master = clusterConnection.getPartitions().getMasterBySlot(SlotHash.getSlot(key));
            if (master == null) {
                return Mono.error(new RedisException("no master serves the slot of " + key));
            }
            return Mono.fromCompletionStage(clusterConnection.getConnectionAsync(master.getNodeId()))
                    .map(StatefulRedisConnection::reactive);
        });
    }

    /**
     * The address ({@code host:port}) of the master serving {@code key}'s slot as of the client's current topology, to
     * keep state per shard (a circuit breaker per node, so that one lost shard does not switch off the others); on a
     * single node or Sentinel always {@code "single"}. No I/O: read from the topology the client holds.
     */
    public String nodeOf(String key) {
        if (connection != null) {
            return "single";
        }
        RedisClusterNode master = clusterConnection.getPartitions().getMasterBySlot(SlotHash.getSlot(key));
        return master == null ? "unassigned" : master.getUri().getHost() + ":" + master.getUri().getPort();
    }

    /**
     * A new pub/sub connection. On a cluster, a classic {@code PUBLISH} reaches every node, so subscribing through any
     * node sees every message; when that node is lost, the reconnect goes round the other known nodes and the
     * subscription is restored through the first that answers.
     */
    public StatefulRedisPubSubConnection<String, String> connectPubSub() {
        return client != null ? client.connectPubSub() : clusterClient.connectPubSub();
    }

    /**
     * Runs {@code write} on the master serving {@code key}, then waits ({@code WAIT}) until as many of that master's
     * replicas as are connected, but at most {@code replicas}, hold it, or {@code timeout} passes. For a write that
     * must survive the loss of that master: Redis replicates asynchronously, so a write acknowledged by the master
     * alone may be lost when a replica that never got it is promoted. A master with no replica connected acknowledges
     * alone (nothing could be promoted in its place).
     *
     * <p>Runs over a connection reserved for such writes (opened on first use): a {@code WAIT} holds its connection
     * up until the replicas answer, which must not delay the shared connection's commands.
     */
    public <T> Mono<Replicated<T>> writeAndWait(String key, Function<RedisClusterReactiveCommands<String, String>, Mono<T>> write,
                                                int replicas, Duration timeout) {
        return reservedOnMasterOf(key).flatMap(node -> node.role().collectList().flatMap(role -> {
            int connected = connectedReplicas(role);
            int wanted = Math.min(replicas, connected);
            return write.apply(node).flatMap(result -> wanted == 0
                    ? Mono.just(new Replicated<>(result, connected, wanted, 0))
                    : node.waitForReplication(wanted, Math.max(1, timeout.toMillis()))
                            .map(acknowledged -> new Replicated<>(result, connected, wanted, acknowledged)));
        }));
    }

    /**
     * What {@link #writeAndWait} achieved.
     *
     * @param result       what the write answered
     * @param connected    replicas the master had connected before the write
     * @param wanted       acknowledgements waited for
     * @param acknowledged replicas that acknowledged within the timeout
     */
    public record Replicated<T>(T result, int connected, int wanted, long acknowledged) {

        /** Whether as many replicas as waited for hold the write. */
        public boolean isReplicated() {
            return acknowledged >= wanted;
        }
    }

    /** ROLE of a master: ["master", offset, [[ip, port, offset], …]]; anything else has no replicas of its own. */
    private static int connectedReplicas(List<Object> role) {
        if (role.size() < 3 || !"master".equals(String.valueOf(role.getFirst())) || !(role.get(2) instanceof List<?> replicas)) {
            return 0;
        }
        return replicas.size();
    }

    private Mono<RedisClusterReactiveCommands<String, String>> reservedOnMasterOf(String key) {
        return Mono.defer(() -> {
            if (client != null) {
                return Mono.fromCompletionStage(reserved(() -> client.connectAsync(StringCodec.UTF8, uri).toCompletableFuture()))
                        .map(own -> ((StatefulRedisConnection<String, String>) own).reactive());
            }
            return Mono.fromCompletionStage(reserved(() -> clusterClient.connectAsync(StringCodec.UTF8)))
                    .flatMap(own -> {
                        StatefulRedisClusterConnection<String, String> cluster = (StatefulRedisClusterConnection<String, String>) own;
                        RedisClusterNode master = cluster.getPartitions().getMasterBySlot(SlotHash.getSlot(key));
                        if (master == null) {
                            return Mono.error(new RedisException("no master serves the slot of " + key));
                        }
                        return Mono.fromCompletionStage(cluster.getConnectionAsync(master.getNodeId()))
                                .map(StatefulRedisConnection::reactive);
                    });
        });
    }

    /** The reserved connection, opened once; a failed attempt is forgotten so that the next call tries again. */
    private synchronized CompletableFuture<? extends StatefulConnection<String, String>> reserved(
            java.util.function.Supplier<CompletableFuture<? extends StatefulConnection<String, String>>> open) {
        CompletableFuture<? extends StatefulConnection<String, String>> current = reserved;
        if (current == null || current.isCompletedExceptionally()) {
            current = open.get();
            reserved = current;
        }
        return current;
    }

    public boolean isCluster() {
        return clusterClient != null;
    }

    @Override
    public void close() {
        CompletableFuture<? extends StatefulConnection<String, String>> own;
        synchronized (this) {
            own = reserved;
        }
        if (own != null && own.isDone() && !own.isCompletedExceptionally()) {
            own.join().close();
        }
        if (connection != null) {
            connection.close();
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        if (clusterConnection != null) {
            clusterConnection.close();
            clusterClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
