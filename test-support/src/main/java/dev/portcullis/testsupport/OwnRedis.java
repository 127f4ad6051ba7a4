package dev.portcullis.testsupport;

import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A redis-server of one test class's own, for tests that take Redis away: {@link #stop()} kills it mid-test (as a
 * crash would), {@link #start()} brings it back empty (no persistence), and {@link #cutSubscribers} drops the
 * pub/sub connections alone. Whatever a test did, the server runs again after each test, and it is stopped after the
 * class.
 *
 * <pre>
 * &#64;RegisterExtension
 * static final OwnRedis ownRedis = OwnRedis.standalone();
 *
 * &#64;DynamicPropertySource
 * static void ownRedis(DynamicPropertyRegistry registry) {
 *     registry.add("portcullis.redis.url", ownRedis::url);
 * }
 * </pre>
 */
public final class OwnRedis implements AfterEachCallback, AfterAllCallback {

    private final RedisServerProcess server;

    private OwnRedis(RedisServerProcess server) {
        this.server = server;
    }

    /** Starts a standalone server on a free port. */
    public static OwnRedis standalone() {
        return new OwnRedis(RedisServerProcess.startStandalone());
    }

    public String url() {
        return server.url();
    }

    /** Kills the server: clients see their connections drop, commands fail until {@link #start()}. */
    public void stop() {
        server.stop();
    }

    /** Starts the server again (empty) on the same port; nothing when it runs. */
    public void start() {
        server.start();
    }

    /**
     * Drops every pub/sub connection ({@code CLIENT KILL TYPE pubsub}) and runs {@code alsoMeanwhile} in the same
     * transaction: Redis executes both before any client can reconnect, so what {@code alsoMeanwhile} writes is
     * published to nobody, and only a subscriber's resync after it re-subscribed can find it.
     */
    public void cutSubscribers(Consumer<RedisCommands<String, String>> alsoMeanwhile) {
        RedisClient client = RedisClient.create(server.url());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisCommands<String, String> redis = connection.sync();
            redis.multi();
            redis.clientKill(KillArgs.Builder.typePubsub());
            alsoMeanwhile.accept(redis);
            redis.exec();
        } finally {
            client.shutdown();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        server.start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        server.stop();
    }
}
