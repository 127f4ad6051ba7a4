package dev.portcullis.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

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
 */
public final class RedisConnections implements AutoCloseable {

    private final RedisClient client;
    private final RedisClusterClient clusterClient;
    private final StatefulRedisConnection<String, String> connection;
    private final StatefulRedisClusterConnection<String, String> clusterConnection;

    private RedisConnections(RedisClient client, RedisClusterClient clusterClient) {
        this.client = client;
        this.clusterClient = clusterClient;
        this.connection = client != null ? client.connect() : null;
        this.clusterConnection = clusterClient != null ? clusterClient.connect() : null;
    }

    /**
     * Connects eagerly, so that a wrong URL fails at start-up. Lettuce reconnects on its own afterwards.
     *
     * @param url            see the class comment
     * @param commandTimeout upper bound for every command
     * @param connectTimeout upper bound for opening a connection
     */
    public static RedisConnections connect(String url, Duration commandTimeout, Duration connectTimeout) {
        List<String> uris = Arrays.stream(url.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        if (uris.isEmpty()) {
            throw new IllegalArgumentException("Redis URL is empty");
        }
        SocketOptions socket = SocketOptions.builder().connectTimeout(connectTimeout).keepAlive(true).build();
        TimeoutOptions timeouts = TimeoutOptions.enabled(commandTimeout);
        if (uris.size() > 1 && !uris.getFirst().startsWith("redis-sentinel")) {
            List<RedisURI> seeds = uris.stream().map(RedisURI::create).toList();
            RedisClusterClient cluster = RedisClusterClient.create(seeds);
            cluster.setOptions(ClusterClientOptions.builder()
                    .socketOptions(socket)
                    .timeoutOptions(timeouts)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enableAllAdaptiveRefreshTriggers()
                            .enablePeriodicRefresh(Duration.ofSeconds(30))
                            .build())
                    .build());
            return new RedisConnections(null, cluster);
        }
        RedisClient single = RedisClient.create(RedisURI.create(url.trim()));
        single.setOptions(ClientOptions.builder()
                .socketOptions(socket)
                .timeoutOptions(timeouts)
                // Fail fast while disconnected instead of buffering commands behind a dead socket.
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .build());
        return new RedisConnections(single, null);
    }

    /** Reactive commands on the shared, thread-safe connection. */
    public RedisClusterReactiveCommands<String, String> reactive() {
        return connection != null ? connection.reactive() : clusterConnection.reactive();
    }

    /**
     * A new pub/sub connection. On a cluster, a classic {@code PUBLISH} reaches every node, so subscribing through any
     * node sees every message.
     */
    public StatefulRedisPubSubConnection<String, String> connectPubSub() {
        return client != null ? client.connectPubSub() : clusterClient.connectPubSub();
    }

    public boolean isCluster() {
        return clusterClient != null;
    }

    @Override
    public void close() {
        if (connection != null) {
            connection.close();
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        if (clusterConnection != null) {
            clusterConnection.close();
            clusterClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }
}
