package dev.portcullis.auth.support;

import io.lettuce.core.api.sync.RedisKeyCommands;
import java.time.Clock;

/**
 * Lets time pass for Redis as it passes for the service. Redis expires keys by its own clock, which a test cannot move;
 * the service sets the expiry of its refresh keys with PEXPIREAT from its own {@link Clock}, so deleting every key whose
 * expiry that clock has passed is what Redis would have done had the time really gone by.
 */
public final class RedisExpiry {

    private RedisExpiry() {
    }

    /** Deletes every key (on every node of a cluster) whose expiry lies at or before {@code clock}'s now. */
    public static void expireKeysDueBy(RedisKeyCommands<String, String> redis, Clock clock) {
        for (String key : redis.keys("*")) {
            Long ttl = redis.pttl(key);
            if (ttl != null && ttl >= 0 && System.currentTimeMillis() + ttl <= clock.millis()) {
                redis.del(key);
            }
        }
    }
}
