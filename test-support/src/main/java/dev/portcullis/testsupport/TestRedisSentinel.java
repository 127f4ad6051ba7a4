package dev.portcullis.testsupport;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

/**
 * A real Sentinel deployment: a master, one replica and three Sentinels (quorum two), each an embedded redis-server
 * process. A test kills the master ({@link RedisServerProcess#stop()} is a SIGKILL) and {@link #awaitFailover} waits
 * until the Sentinels have promoted the replica.
 */
public final class TestRedisSentinel implements AutoCloseable {

    public static final String MASTER_NAME = "portcullis";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    /** How often the deployment's own state is polled: Sentinel offers no event to wait on from outside. */
    private static final Duration POLL = Duration.ofMillis(20);

    private final RedisServerProcess master;
    private final RedisServerProcess replica;
    private final List<RedisServerProcess> sentinels;

    private TestRedisSentinel(RedisServerProcess master, RedisServerProcess replica, List<RedisServerProcess> sentinels) {
        this.master = master;
        this.replica = replica;
        this.sentinels = sentinels;
    }

    /**
     * @param downAfter how long the master must be silent before a Sentinel judges it down (Sentinel's
     *                  {@code down-after-milliseconds}); the fail-over follows within about a second
     */
    public static TestRedisSentinel start(Duration downAfter) {
        RedisServerProcess master = RedisServerProcess.startStandalone();
        RedisServerProcess replica = RedisServerProcess.startReplicaOf(master);
        List<RedisServerProcess> sentinels = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            sentinels.add(RedisServerProcess.startSentinel(master, MASTER_NAME, 2, downAfter));
        }
        TestRedisSentinel deployment = new TestRedisSentinel(master, replica, sentinels);
        deployment.await("the replica in sync and known to every Sentinel, the Sentinels to each other", START_TIMEOUT, () ->
                TestRedisCluster.withNode(replica, redis -> redis.info("replication")).contains("master_link_status:up")
                        && sentinels.stream().allMatch(sentinel -> TestRedisCluster.withNode(sentinel, redis ->
                        redis.info("sentinel")).contains("slaves=1,sentinels=3")));
        return deployment;
    }

    /** {@code redis-sentinel://127.0.0.1:s1,127.0.0.1:s2,127.0.0.1:s3#portcullis}, as {@code REDIS_URL} takes it. */
    public String url() {
        return "redis-sentinel://" + sentinels.stream().map(sentinel -> "127.0.0.1:" + sentinel.port())
                .collect(Collectors.joining(",")) + "#" + MASTER_NAME;
    }

    public RedisServerProcess master() {
        return master;
    }

    public RedisServerProcess replica() {
        return replica;
    }

    /**
     * Waits until the replica has been promoted after the master died: it says {@code role:master} and a majority of
     * the Sentinels name it as the master. Returns when that was first seen (within {@link #POLL}).
     */
    public Instant awaitFailover(Duration timeout) {
        String promoted = Integer.toString(replica.port());
        await("the replica promoted", timeout, () -> safely(() ->
                TestRedisCluster.withNode(replica, redis -> redis.info("replication")).contains("role:master"))
                && sentinels.stream().filter(sentinel -> safely(() -> TestRedisCluster.withNode(sentinel, redis ->
                redis.dispatch(io.lettuce.core.protocol.CommandType.SENTINEL,
                        new io.lettuce.core.output.ValueListOutput<>(io.lettuce.core.codec.StringCodec.UTF8),
                        new io.lettuce.core.protocol.CommandArgs<>(io.lettuce.core.codec.StringCodec.UTF8)
                                .add("get-master-addr-by-name").add(MASTER_NAME)))
                .contains(promoted))).count() >= 2);
        return Instant.now();
    }

    private static boolean safely(java.util.function.BooleanSupplier check) {
        try {
            return check.getAsBoolean();
        } catch (RuntimeException e) {
            return false; // a process that cannot answer right now does not say yes
        }
    }

    private static void await(String what, Duration timeout, java.util.function.BooleanSupplier condition) {
        Instant deadline = Instant.now().plus(timeout);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("not within " + timeout + ": " + what);
            }
            LockSupport.parkNanos(POLL.toNanos());
        }
    }

    @Override
    public void close() {
        sentinels.forEach(RedisServerProcess::stop);
        replica.stop();
        master.stop();
    }
}
