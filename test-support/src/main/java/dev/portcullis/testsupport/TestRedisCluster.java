package dev.portcullis.testsupport;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

/**
 * A real Redis Cluster of masters without replicas, each an embedded redis-server process, with the 16384 slots split
 * between them. Proves that every key and script is cluster-safe (no cross-slot command).
 */
public final class TestRedisCluster implements AutoCloseable {

    private static final int SLOTS = 16384;
    private static final Duration FORM_TIMEOUT = Duration.ofSeconds(30);

    private final List<RedisServerProcess> nodes;

    private TestRedisCluster(List<RedisServerProcess> nodes) {
        this.nodes = nodes;
    }

    public static TestRedisCluster start(int masters) {
        List<RedisServerProcess> nodes = new ArrayList<>();
        for (int i = 0; i < masters; i++) {
            nodes.add(RedisServerProcess.startClusterNode());
        }
        TestRedisCluster cluster = new TestRedisCluster(nodes);
        cluster.form();
        return cluster;
    }

    private void form() {
        int perNode = SLOTS / nodes.size();
        for (int i = 0; i < nodes.size(); i++) {
            int first = i * perNode;
            int last = i == nodes.size() - 1 ? SLOTS - 1 : first + perNode - 1;
            withNode(nodes.get(i), redis -> redis.clusterAddSlots(java.util.stream.IntStream.rangeClosed(first, last).toArray()));
        }
        RedisServerProcess first = nodes.getFirst();
        for (RedisServerProcess other : nodes.subList(1, nodes.size())) {
            withNode(first, redis -> redis.clusterMeet("127.0.0.1", other.port()));
        }
        Instant deadline = Instant.now().plus(FORM_TIMEOUT);
        while (!allNodesSayOk()) {
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("cluster did not reach cluster_state:ok within " + FORM_TIMEOUT);
            }
            // polling the cluster's own state (redis-server 6.2 has no ADDSLOTSRANGE and no join event); the gossip protocol offers no event to wait on
            LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
    }

    private boolean allNodesSayOk() {
        return nodes.stream().allMatch(node -> withNode(node, redis -> redis.clusterInfo().contains("cluster_state:ok")
                && redis.clusterInfo().contains("cluster_known_nodes:" + nodes.size())));
    }

    private static <T> T withNode(RedisServerProcess node, java.util.function.Function<RedisCommands<String, String>, T> action) {
        RedisClient client = RedisClient.create(node.url());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            return action.apply(connection.sync());
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    /** Seed URIs, comma-separated, as a cluster client takes them: {@code redis://127.0.0.1:p1,redis://127.0.0.1:p2}. */
    public String urls() {
        return nodes.stream().map(RedisServerProcess::url).collect(Collectors.joining(","));
    }

    public List<RedisServerProcess> nodes() {
        return List.copyOf(nodes);
    }

    @Override
    public void close() {
        nodes.forEach(RedisServerProcess::stop);
    }
}
