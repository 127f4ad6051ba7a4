package dev.portcullis.testsupport;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A real Redis Cluster, each node an embedded redis-server process, with the 16384 slots split between the masters.
 * Without replicas it proves that every key and script is cluster-safe (no cross-slot command); with one replica per
 * master ({@link #start(int, int)}) a test can kill a master ({@link RedisServerProcess#stop()} is a SIGKILL) and
 * watch Redis promote its replica ({@link #awaitFailover}).
 */
public final class TestRedisCluster implements AutoCloseable {

    private static final int SLOTS = 16384;
    private static final Duration FORM_TIMEOUT = Duration.ofSeconds(30);
    /** How often the cluster's own state is polled: gossip offers no event to wait on. */
    private static final Duration POLL = Duration.ofMillis(20);

    private final List<RedisServerProcess> masters;
    private final List<RedisServerProcess> replicas;

    private TestRedisCluster(List<RedisServerProcess> masters, List<RedisServerProcess> replicas) {
        this.masters = masters;
        this.replicas = replicas;
    }

    /** {@code masters} masters and no replica. */
    public static TestRedisCluster start(int masters) {
        return start(masters, 0);
    }

    /** {@code masters} masters with {@code replicasPerMaster} replicas each (3 and 1: the smallest cluster that fails over). */
    public static TestRedisCluster start(int masters, int replicasPerMaster) {
        List<RedisServerProcess> primaries = new ArrayList<>();
        List<RedisServerProcess> secondaries = new ArrayList<>();
        for (int i = 0; i < masters; i++) {
            primaries.add(RedisServerProcess.startClusterNode());
        }
        for (int i = 0; i < masters * replicasPerMaster; i++) {
            secondaries.add(RedisServerProcess.startClusterNode());
        }
        TestRedisCluster cluster = new TestRedisCluster(primaries, secondaries);
        cluster.form(replicasPerMaster);
        return cluster;
    }

    private void form(int replicasPerMaster) {
        int perNode = SLOTS / masters.size();
        for (int i = 0; i < masters.size(); i++) {
            int first = i * perNode;
            int last = i == masters.size() - 1 ? SLOTS - 1 : first + perNode - 1;
            withNode(masters.get(i), redis -> redis.clusterAddSlots(IntStream.rangeClosed(first, last).toArray()));
        }
        List<RedisServerProcess> all = nodes();
        RedisServerProcess first = all.getFirst();
        for (RedisServerProcess other : all.subList(1, all.size())) {
            withNode(first, redis -> redis.clusterMeet("127.0.0.1", other.port()));
        }
        awaitCluster("every node knows every other", () -> all.stream().allMatch(node -> withNode(node, redis ->
                redis.clusterInfo().contains("cluster_known_nodes:" + all.size()))));
        for (int i = 0; i < replicas.size(); i++) {
            String masterId = withNode(masters.get(i / replicasPerMaster), RedisCommands::clusterMyId);
            withNode(replicas.get(i), redis -> redis.clusterReplicate(masterId));
        }
        // With cluster-require-full-coverage no, a node reports cluster_state:ok before gossip has told it who owns
        // every slot: a client that reads the topology from it then finds slots with no owner. Wait for all 16384.
        awaitCluster("cluster_state:ok everywhere, every slot's owner known everywhere, every replica in sync",
                () -> all.stream().allMatch(node -> withNode(node, redis -> {
                    String info = redis.clusterInfo();
                    return info.contains("cluster_state:ok") && info.contains("cluster_slots_assigned:" + SLOTS)
                            && info.contains("cluster_slots_ok:" + SLOTS);
                }))
                && replicas.stream().allMatch(replica -> withNode(replica, redis -> redis.info("replication")
                .contains("master_link_status:up"))));
    }

    private static void awaitCluster(String what, java.util.function.BooleanSupplier condition) {
        Instant deadline = Instant.now().plus(FORM_TIMEOUT);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("cluster not formed within " + FORM_TIMEOUT + ": " + what);
            }
            // polling the cluster's own state (redis-server 6.2 has no ADDSLOTSRANGE and no join event)
            LockSupport.parkNanos(POLL.toNanos());
        }
    }

    /** The master currently serving {@code key}'s slot. */
    public RedisServerProcess masterOf(String key) {
        RedisServerProcess any = running().getFirst();
        long slot = withNode(any, redis -> redis.clusterKeyslot(key));
        String nodes = withNode(any, RedisCommands::clusterNodes);
        for (String line : nodes.lines().toList()) {
            String[] fields = line.split(" ");
            if (!fields[2].contains("master") || fields[2].contains("fail")) {
                continue;
            }
            for (int i = 8; i < fields.length; i++) {
                String[] range = fields[i].split("-");
                if (range[0].startsWith("[")) {
                    continue; // a slot being migrated
                }
                long from = Long.parseLong(range[0]);
                long to = range.length > 1 ? Long.parseLong(range[1]) : from;
                if (slot >= from && slot <= to) {
                    int port = Integer.parseInt(fields[1].substring(fields[1].indexOf(':') + 1, fields[1].indexOf('@')));
                    return nodes().stream().filter(node -> node.port() == port).findFirst().orElseThrow();
                }
            }
        }
        throw new IllegalStateException("no master serves slot " + slot);
    }

    /** The replica of {@code master} (one replica per master). */
    public RedisServerProcess replicaOf(RedisServerProcess master) {
        String masterId = withNode(master, RedisCommands::clusterMyId);
        return running().stream().filter(node -> node != master)
                .filter(node -> withNode(node, redis -> redis.info("replication").contains("role:slave")
                        && redis.clusterNodes().lines().anyMatch(line -> line.contains("myself") && line.contains(masterId))))
                .findFirst().orElseThrow(() -> new IllegalStateException("no replica of port " + master.port()));
    }

    /** A master other than the one serving {@code key}, with a replica to take over from it. */
    public RedisServerProcess masterNotServing(String key) {
        RedisServerProcess owner = masterOf(key);
        return running().stream().filter(node -> node != owner && isMaster(node) && hasReplica(node)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no other master with a replica"));
    }

    private boolean hasReplica(RedisServerProcess master) {
        try {
            replicaOf(master);
            return true;
        } catch (IllegalStateException none) {
            return false;
        }
    }

    /**
     * Waits until the cluster is healthy again after {@code killed} died: one of its replicas has been promoted and
     * every running node reports {@code cluster_state:ok}. Returns when that was first seen (within {@link #POLL}).
     */
    public Instant awaitFailover(RedisServerProcess killed, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            List<RedisServerProcess> running = running();
            // as many running masters as there were slot owners: the killed one's replica has taken over
            boolean healthy = running.stream().filter(this::isMaster).count() == masters.size()
                    && running.stream().allMatch(node -> Optional.ofNullable(info(node)).orElse("")
                    .contains("cluster_state:ok"));
            if (healthy) {
                return Instant.now();
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("no fail-over of port " + killed.port() + " within " + timeout);
            }
            LockSupport.parkNanos(POLL.toNanos());
        }
    }

    private String info(RedisServerProcess node) {
        try {
            return withNode(node, RedisCommands::clusterInfo);
        } catch (RuntimeException e) {
            return null; // a node that cannot answer right now is not healthy
        }
    }

    private boolean isMaster(RedisServerProcess node) {
        try {
            return withNode(node, redis -> redis.info("replication").contains("role:master"));
        } catch (RuntimeException e) {
            return false;
        }
    }

    private List<RedisServerProcess> running() {
        return nodes().stream().filter(RedisServerProcess::isRunning).toList();
    }

    static <T> T withNode(RedisServerProcess node, Function<RedisCommands<String, String>, T> action) {
        RedisClient client = RedisClient.create(node.url());
        client.setDefaultTimeout(Duration.ofSeconds(2));
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            return action.apply(connection.sync());
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    /**
     * Seed URIs, comma-separated, as a cluster client takes them: {@code redis://127.0.0.1:p1,redis://127.0.0.1:p2};
     * every node, replicas included, so that a client can start with any one of them down.
     */
    public String urls() {
        return nodes().stream().map(RedisServerProcess::url).collect(Collectors.joining(","));
    }

    /** Masters first (in slot order), then replicas. */
    public List<RedisServerProcess> nodes() {
        List<RedisServerProcess> all = new ArrayList<>(masters);
        all.addAll(replicas);
        return List.copyOf(all);
    }

    @Override
    public void close() {
        nodes().forEach(RedisServerProcess::stop);
    }
}
