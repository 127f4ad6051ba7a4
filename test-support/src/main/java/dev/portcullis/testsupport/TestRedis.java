package dev.portcullis.testsupport;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;

/**
 * The Redis server tests share within one JVM: the one at {@code REDIS_URL} when that is set (as in a CI with a Redis
 * service), else an embedded redis-server started on first use and killed when the JVM exits.
 */
public final class TestRedis {

    private static String url;

    private TestRedis() {
    }

    public static synchronized String url() {
        if (url == null) {
            String configured = System.getenv("REDIS_URL");
            url = configured != null && !configured.isBlank() ? configured : RedisServerProcess.startStandalone().url();
        }
        return url;
    }

    /** Empties the shared server so that a test starts from a known state. */
    public static void flushAll() {
        RedisClient client = RedisClient.create(url());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            connection.sync().flushall();
        } finally {
            client.shutdown();
        }
    }
}
