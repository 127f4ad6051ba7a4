package dev.portcullis.gateway.ratelimit;

import dev.portcullis.gateway.policy.RateLimit;
import dev.portcullis.redis.RedisConnections;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * A GCRA rate limiter in one Lua script per request, shared by every gateway instance through Redis. One key per
 * limited party, so the script is cluster-safe; the script takes the time from Redis ({@code TIME}) so that instances
 * with drifting clocks still agree.
 *
 * <p>Failure policy: when Redis cannot answer, the request passes (counted as {@code outcome=error}). Rate limiting
 * protects capacity, not identity; refusing all traffic because the limiter is down would turn a Redis outage into a
 * full outage. Identity checks (revocation) fail closed instead. On Redis Cluster the circuit breaker is per shard
 * (the master serving the bucket's slot): a lost shard's buckets go unchecked, the other shards' stay enforced.
 */
public final class RedisGcraLimiter {

    private static final Logger log = LoggerFactory.getLogger(RedisGcraLimiter.class);

    static final String KEY_PREFIX = "portcullis:rl:";

    /**
     * KEYS[1] = bucket; ARGV[1] = emission interval (ms), ARGV[2] = burst, ARGV[3] = tokens wanted. Grants as many of
     * the wanted tokens as the bucket holds (at least one, or none). Returns {granted, remaining, retry-after ms,
     * reset-after ms}. The key holds the theoretical arrival time (TAT) and expires when the bucket is full again.
     */
    static final String SCRIPT = """
            local now_parts = redis.call('TIME')
            local now = now_parts[1] * 1000 + math.floor(now_parts[2] / 1000)
            local emission = tonumber(ARGV[1])
            local burst = tonumber(ARGV[2])
            local wanted = tonumber(ARGV[3])
            local tolerance = emission * burst
            local tat = tonumber(redis.call('GET', KEYS[1]) or now)
            if tat < now then tat = now end
            local available = math.floor((now + tolerance - tat) / emission)
            if available < 1 then
              return {0, 0, tat + emission - tolerance - now, tat - now}
            end
            local granted = math.min(wanted, available)
            local new_tat = tat + granted * emission
            redis.call('SET', KEYS[1], new_tat, 'PX', math.max(1, math.ceil(new_tat - now)))
            return {granted, available - granted, 0, new_tat - now}
            """;

    /**
     * The same arithmetic as {@link #SCRIPT}, reading only: KEYS[1] = bucket; ARGV[1] = emission interval (ms),
     * ARGV[2] = burst. Returns {requests available now, reset-after ms, retry-after ms}. Nothing is written, so asking
     * costs no quota.
     */
    static final String PEEK_SCRIPT = """
            local now_parts = redis.call('TIME')
            local now = now_parts[1] * 1000 + math.floor(now_parts[2] / 1000)
            local emission = tonumber(ARGV[1])
            local tolerance = emission * tonumber(ARGV[2])
            local tat = tonumber(redis.call('GET', KEYS[1]) or now)
            if tat < now then tat = now end
            local available = math.floor((now + tolerance - tat) / emission)
            if available < 1 then
              return {0, tat - now, tat + emission - tolerance - now}
            end
            return {available, tat - now, 0}
            """;

    private final RedisConnections redis;
    private final Function<String, CircuitBreaker> breakerOfNode;
    private final Map<String, CircuitBreaker> breakers = new ConcurrentHashMap<>();
    private final Duration timeout;
    private final String sha;

    /**
     * @param breakerOfNode the circuit breaker for a node's address ({@link RedisConnections#nodeOf}); asked once per
     *                      node
     */
    public RedisGcraLimiter(RedisConnections redis, Function<String, CircuitBreaker> breakerOfNode, Duration timeout) {
        this.redis = redis;
        this.breakerOfNode = breakerOfNode;
        this.timeout = timeout;
        this.sha = sha1(SCRIPT);
    }

    /** Takes one request from the party's quota. Never errors. */
    public Mono<RateLimitDecision> acquire(String party, RateLimit limit) {
        return take(party, limit, 1).map(grant -> grant.decision());
    }

    /**
     * Takes up to {@code wanted} tokens from the party's shared bucket at once (a lease spent locally afterwards).
     * Never errors: when Redis cannot answer, the grant is {@link Grant#unchecked}.
     */
    Mono<Grant> take(String party, RateLimit limit, int wanted) {
        String key = KEY_PREFIX + "{" + party + "}";
        String[] args = {Long.toString(Math.max(1, limit.emissionInterval().toMillis())), Integer.toString(limit.burst()),
                Integer.toString(Math.max(1, wanted))};
        return redis.reactive().<List<Long>>evalsha(sha, ScriptOutputType.MULTI, new String[] {key}, args)
                .onErrorResume(RedisNoScriptException.class,
                        missing -> redis.reactive().eval(SCRIPT, ScriptOutputType.MULTI, new String[] {key}, args))
                .next()
                .timeout(timeout)
                .map(result -> new Grant(result.get(0).intValue(), result.get(0) > 0
                        ? RateLimitDecision.allowed(limit.burst(), result.get(1), Duration.ofMillis(result.get(3)))
                        : RateLimitDecision.denied(limit.burst(), Duration.ofMillis(result.get(2)),
                                Duration.ofMillis(result.get(3)))))
                .transform(CircuitBreakerOperator.of(breakers.computeIfAbsent(redis.nodeOf(key), breakerOfNode)))
                .onErrorResume(error -> {
                    log.debug("event=rate_limit_unchecked error=\"{}\"", error.toString());
                    return Mono.just(Grant.unchecked(limit.burst()));
                });
    }

    /**
     * What the party's shared bucket holds now, without taking from it (the explain endpoint). Empty when Redis does
     * not answer: nothing is guessed.
     */
    Mono<Peek> peek(String party, RateLimit limit) {
        String key = KEY_PREFIX + "{" + party + "}";
        String[] args = {Long.toString(Math.max(1, limit.emissionInterval().toMillis())), Integer.toString(limit.burst())};
        return redis.reactive().<List<Long>>eval(PEEK_SCRIPT, ScriptOutputType.MULTI, new String[] {key}, args)
                .next()
                .timeout(timeout)
                .map(result -> new Peek(result.get(0), Duration.ofMillis(result.get(1)), Duration.ofMillis(result.get(2))))
                .onErrorResume(error -> {
                    log.debug("event=rate_limit_peek_failed error=\"{}\"", error.toString());
                    return Mono.empty();
                });
    }

    /** A shared bucket's state: requests it would grant now, when it is full again, when it grants the next one. */
    record Peek(long available, Duration resetAfter, Duration retryAfter) {
    }

    /** Tokens granted by one script call and the decision for the request that asked. */
    record Grant(int tokens, RateLimitDecision decision) {

        static Grant unchecked(int limit) {
            return new Grant(0, RateLimitDecision.unchecked(limit));
        }

        boolean isUnchecked() {
            return decision.outcome() == RateLimitDecision.Outcome.UNCHECKED;
        }
    }

    private static String sha1(String script) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(script.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
