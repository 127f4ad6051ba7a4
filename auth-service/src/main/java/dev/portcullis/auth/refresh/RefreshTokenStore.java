package dev.portcullis.auth.refresh;

import dev.portcullis.auth.config.AuthProperties;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Refresh-token families in Redis. One hash per family, {@code auth:rt:{<familyId>}}, with fields {@code cur} (hash of
 * the live token), {@code prev} and {@code rot} (the token it replaced and when), {@code sub}, {@code username},
 * {@code mode} (cookie or body), {@code created}, and {@code u:<hash>} for every token already rotated. Its TTL is the
 * refresh lifetime, renewed on each rotation. A set {@code auth:rt:sub:{<sub>}} lists a subject's families for
 * revoke-all. Each operation on a family is one Lua script on one key, so that rotation, reuse detection and the
 * race between two concurrent refreshes are decided atomically, on a cluster as on a single node.
 */
@Component
public final class RefreshTokenStore {

    static final String PREFIX = "auth:rt:";

    private static final String CREATE = """
            redis.call('HSET', KEYS[1], 'cur', ARGV[1], 'sub', ARGV[2], 'username', ARGV[3], 'mode', ARGV[4],
                       'created', ARGV[5], 'rot', ARGV[5])
            redis.call('PEXPIRE', KEYS[1], ARGV[6])
            return 1
            """;

    /**
     * ARGV: presented hash, new hash, now ms, reuse grace ms, ttl ms. Returns {outcome, sub, username, mode}:
     * {@code rotated} (the presented token was live; it is now spent), {@code race} (it was replaced within the grace
     * period, e.g. by a concurrent request: refused, family kept), {@code reused} (an older spent token: the family
     * is deleted), {@code unknown} (no such family or not one of its tokens).
     */
    private static final String ROTATE = """
            if redis.call('EXISTS', KEYS[1]) == 0 then return {'unknown', '', '', ''} end
            local f = redis.call('HMGET', KEYS[1], 'cur', 'prev', 'rot', 'sub', 'username', 'mode')
            if f[1] == ARGV[1] then
              redis.call('HSET', KEYS[1], 'cur', ARGV[2], 'prev', ARGV[1], 'rot', ARGV[3], 'u:' .. ARGV[1], '1')
              redis.call('PEXPIRE', KEYS[1], ARGV[5])
              return {'rotated', f[4], f[5], f[6]}
            end
            if f[2] == ARGV[1] and (tonumber(ARGV[3]) - tonumber(f[3])) <= tonumber(ARGV[4]) then
              return {'race', f[4], f[5], f[6]}
            end
            if redis.call('HEXISTS', KEYS[1], 'u:' .. ARGV[1]) == 1 then
              redis.call('DEL', KEYS[1])
              return {'reused', f[4], f[5], f[6]}
            end
            return {'unknown', '', '', ''}
            """;

    /** Deletes the family when the presented token belongs to it (live or spent) and to {@code sub}. */
    private static final String REVOKE = """
            local f = redis.call('HMGET', KEYS[1], 'cur', 'sub')
            if f[2] ~= ARGV[2] then return 0 end
            if f[1] == ARGV[1] or redis.call('HEXISTS', KEYS[1], 'u:' .. ARGV[1]) == 1 then
              return redis.call('DEL', KEYS[1])
            end
            return 0
            """;

    private final RedisClusterReactiveCommands<String, String> redis;
    private final Clock clock;
    private final Duration lifetime;
    private final Duration reuseGrace;

    RefreshTokenStore(RedisClusterReactiveCommands<String, String> redis, Clock clock, AuthProperties properties) {
        this.redis = redis;
        this.clock = clock;
        this.lifetime = properties.refresh().lifetime();
        this.reuseGrace = properties.refresh().reuseGrace();
    }

    public static String familyKey(String familyId) {
        return PREFIX + "{" + familyId + "}";
    }

    public static String subjectIndexKey(String subject) {
        return PREFIX + "sub:{" + subject + "}";
    }

    /** Starts a family for a fresh login and returns its first token. */
    public Mono<RefreshToken> create(String subject, String username, DeliveryMode mode) {
        RefreshToken token = RefreshToken.newFamily();
        String index = subjectIndexKey(subject);
        return redis.<Long>eval(CREATE, ScriptOutputType.INTEGER, new String[] {familyKey(token.familyId())},
                        token.hash(), subject, username, mode.name(), Long.toString(clock.millis()),
                        Long.toString(lifetime.toMillis()))
                .next()
                .then(redis.sadd(index, token.familyId()))
                .then(redis.pexpire(index, lifetime.toMillis()))
                .thenReturn(token);
    }

    /** Spends {@code presented} and, when it was live, mints its successor in the same family. */
    public Mono<Rotation> rotate(RefreshToken presented) {
        RefreshToken next = RefreshToken.inFamily(presented.familyId());
        return redis.<List<Object>>eval(ROTATE, ScriptOutputType.MULTI, new String[] {familyKey(presented.familyId())},
                        presented.hash(), next.hash(), Long.toString(clock.millis()),
                        Long.toString(reuseGrace.toMillis()), Long.toString(lifetime.toMillis()))
                .next()
                .map(reply -> {
                    Outcome outcome = Outcome.valueOf(text(reply, 0).toUpperCase(java.util.Locale.ROOT));
                    String mode = text(reply, 3);
                    return new Rotation(outcome, outcome == Outcome.ROTATED ? next : null, text(reply, 1), text(reply, 2),
                            mode.isEmpty() ? DeliveryMode.COOKIE : DeliveryMode.valueOf(mode));
                });
    }

    /** Logout: deletes the family of {@code presented} when it belongs to {@code subject}. */
    public Mono<Boolean> revoke(RefreshToken presented, String subject) {
        return redis.<Long>eval(REVOKE, ScriptOutputType.INTEGER, new String[] {familyKey(presented.familyId())},
                        presented.hash(), subject)
                .next()
                .map(deleted -> deleted > 0);
    }

    /** Revoke-all: deletes every family of {@code subject}; returns how many existed. */
    public Mono<Long> revokeAll(String subject) {
        String index = subjectIndexKey(subject);
        return redis.smembers(index)
                .concatMap(familyId -> redis.del(familyKey(familyId)))
                .reduce(0L, Long::sum)
                .flatMap(count -> redis.del(index).thenReturn(count));
    }

    public Duration lifetime() {
        return lifetime;
    }

    private static String text(List<Object> reply, int index) {
        Object value = reply.size() > index ? reply.get(index) : null;
        if (value == null) {
            return "";
        }
        return value instanceof byte[] bytes ? new String(bytes, java.nio.charset.StandardCharsets.UTF_8) : value.toString();
    }

    /** How the refresh token travels: in the HttpOnly cookie (browsers) or in JSON bodies (apps that opted in). */
    public enum DeliveryMode { COOKIE, BODY }

    public enum Outcome { ROTATED, RACE, REUSED, UNKNOWN }

    /** The outcome of a rotation; {@code next} only when {@code ROTATED}. */
    public record Rotation(Outcome outcome, RefreshToken next, String subject, String username, DeliveryMode mode) {
    }
}
