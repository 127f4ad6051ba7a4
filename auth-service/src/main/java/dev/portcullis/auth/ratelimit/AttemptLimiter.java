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
 *   <li>{@link #attempt}/{@link #reset}: consecutive failures with an exponential lock-out (first lock-out, doubling,
 *       capped): however long an attacker keeps failing, the account is free again at most the cap after the attacker
 *       stops, and a success clears it.</li>
 * </ul>
 * The lock-out is checked and the attempt counted in one step, <em>before</em> the guess is judged: every admitted
 * attempt counts as a failure until a success resets the counter. Checking first and counting after the judgement
 * would let N parallel guesses all pass the check before the first failure is written; counting first means the
 * threshold-th admitted attempt already sets the lock-out, so N parallel guesses get at most {@code threshold}
 * judgements. An attempt that dies before its judgement (timeout, crash) stays counted: fail closed.
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
     * ARGV: now ms, threshold, first lock-out ms, max lock-out ms, failure window ms. While locked, returns the
     * remaining lock-out in ms and counts nothing. Otherwise counts the attempt as a failure, starts the lock-out when
     * the count reaches the threshold (doubling per further failure, capped), and returns 0: admitted. The key lives
     * for the failure window, or the lock-out if longer.
     */
    private static final String ATTEMPT = """
            local now = tonumber(ARGV[1])
            local lockedUntil = tonumber(redis.call('HGET', KEYS[1], 'until') or '0')
            if lockedUntil > now then return lockedUntil - now end
            local fails = redis.call('HINCRBY', KEYS[1], 'fails', 1)
            local threshold = tonumber(ARGV[2])
            local lock = 0
            if fails >= threshold then
              local exponent = math.min(fails - threshold, 30)
              lock = math.floor(math.min(tonumber(ARGV[3]) * (2 ^ exponent), tonumber(ARGV[4])))
              redis.call('HSET', KEYS[1], 'until', now + lock)
            end
            redis.call('PEXPIRE', KEYS[1], math.max(tonumber(ARGV[5]), lock))
            return 0
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

    /**
     * Admits one guess under the lock-out of {@code key} and counts it as a failure in the same step; empty when
     * admitted (judge it, and {@link #reset} on success), else how long {@code key} is still locked out (do not judge).
     */
    public Mono<Optional<Duration>> attempt(String key, Policy policy) {
        return redis.<Long>eval(ATTEMPT, ScriptOutputType.INTEGER, new String[] {key},
                        Long.toString(clock.millis()), Integer.toString(policy.threshold()),
                        Long.toString(policy.lockout().toMillis()), Long.toString(policy.maxLockout().toMillis()),
                        Long.toString(policy.failureWindow().toMillis()))
                .next()
                .map(AttemptLimiter::waitTime);
    }

    /** After a success: forgets the failures (including the one {@link #attempt} counted for it). */
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
