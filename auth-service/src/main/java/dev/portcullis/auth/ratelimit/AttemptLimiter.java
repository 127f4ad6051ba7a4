package dev.portcullis.auth.ratelimit;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Abuse limits in Redis, each a single-key Lua script (cluster-safe: a key's whole name is its hash tag,
 * {@code auth:limit:{<scope>:<id>}}), so that every replica counts the same attempts.
 * <ul>
 *   <li>{@link #consume}: a fixed-window counter, e.g. attempts per client IP per minute.</li>
 *   <li>{@link #lockedFor}/{@link #recordFailure}/{@link #reset}: consecutive failures with an exponential lock-out
 *       (first lock-out, doubling, capped): however long an attacker keeps failing, the account is free again at
 *       most the cap after the attacker stops, and a success clears it.</li>
 * </ul>
 */
@Component
public final class AttemptLimiter {

    static final String PREFIX = "auth:limit:";

    /** INCR within a window; returns 0 when allowed, else the milliseconds until the window ends. */
    private static final String WINDOW = """
            local n = redis.call('INCR', KEYS[1])
            local ttl = redis.call('PTTL', KEYS[1])
            if ttl < 0 then
              redis.call('PEXPIRE', KEYS[1], ARGV[2])
              ttl = tonumber(ARGV[2])
            end
            if n > tonumber(ARGV[1]) then return ttl end
            return 0
            """;

    /**
     * ARGV: now ms, threshold, first lock-out ms, max lock-out ms, failure window ms. Returns the lock-out in ms
     * (0 below the threshold). The key lives for the failure window, or the lock-out if longer.
     */
    private static final String FAILURE = """
            local fails = redis.call('HINCRBY', KEYS[1], 'fails', 1)
            local threshold = tonumber(ARGV[2])
            local lock = 0
            if fails >= threshold then
              local exponent = math.min(fails - threshold, 30)
              lock = math.min(tonumber(ARGV[3]) * (2 ^ exponent), tonumber(ARGV[4]))
              lock = math.floor(lock)
              redis.call('HSET', KEYS[1], 'until', tonumber(ARGV[1]) + lock)
            end
            redis.call('PEXPIRE', KEYS[1], math.max(tonumber(ARGV[5]), lock))
            return lock
            """;

    private final RedisClusterReactiveCommands<String, String> redis;
    private final Clock clock;

    AttemptLimiter(RedisClusterReactiveCommands<String, String> redis, Clock clock) {
        this.redis = redis;
        this.clock = clock;
    }

    /** The Redis key of a limit: the whole identifier is the hash tag. */
    public static String key(String scope, String id) {
        return PREFIX + "{" + scope + ":" + id.replace("}", "%7D") + "}";
    }

    /** Counts one attempt; empty when allowed, else how long to wait. */
    public Mono<Optional<Duration>> consume(String key, int limit, Duration window) {
        return redis.<Long>eval(WINDOW, ScriptOutputType.INTEGER, new String[] {key},
                        Integer.toString(limit), Long.toString(window.toMillis()))
                .next()
                .map(AttemptLimiter::waitTime);
    }

    /** How long {@code key} is still locked out, if it is. */
    public Mono<Optional<Duration>> lockedFor(String key) {
        return redis.hget(key, "until")
                .map(until -> {
                    long remaining = Long.parseLong(until) - clock.millis();
                    return remaining > 0 ? Optional.of(Duration.ofMillis(remaining)) : Optional.<Duration>empty();
                })
                .defaultIfEmpty(Optional.empty());
    }

    /** Records a failure; returns the lock-out it caused, if any. */
    public Mono<Optional<Duration>> recordFailure(String key, Policy policy) {
        return redis.<Long>eval(FAILURE, ScriptOutputType.INTEGER, new String[] {key},
                        Long.toString(clock.millis()), Integer.toString(policy.threshold()),
                        Long.toString(policy.lockout().toMillis()), Long.toString(policy.maxLockout().toMillis()),
                        Long.toString(policy.failureWindow().toMillis()))
                .next()
                .map(AttemptLimiter::waitTime);
    }

    public Mono<Void> reset(String key) {
        return redis.del(key).then();
    }

    private static Optional<Duration> waitTime(Long millis) {
        return millis != null && millis > 0 ? Optional.of(Duration.ofMillis(millis)) : Optional.empty();
    }

    /** When consecutive failures lock, for how long, and when they are forgotten. */
    public record Policy(int threshold, Duration lockout, Duration maxLockout, Duration failureWindow) {
    }
}
