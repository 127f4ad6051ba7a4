package dev.portcullis.auth.refresh;

import dev.portcullis.auth.config.AuthProperties;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Refresh-token families in Redis, every key of a user under the user's hash tag, so that one Lua script can change a
 * family and the user's index of families together, on a cluster as on a single node:
 * <ul>
 *   <li>{@code auth:rt:{<sub>}:f:<familyId>}: hash with fields {@code cur} (hash of the live token), {@code prev} and
 *       {@code rot} (the token it replaced and when), {@code sub}, {@code username}, {@code mode} (cookie or body),
 *       {@code created}, and {@code u:<hash>} for every token already rotated;</li>
 *   <li>{@code auth:rt:{<sub>}:families}: sorted set of the user's family ids, scored by when each family expires;
 *       revoke-all reads it. Every script that extends a family also extends this index to its latest score, so the
 *       index outlives every family it lists however long a family is kept alive by refreshing;</li>
 *   <li>{@code auth:rt:family:<familyId>}: the family's subject. A refresh token carries only its family id; this
 *       pointer, written once at login and never changed, names the user's slot. It lives for the absolute lifetime.</li>
 * </ul>
 * A family ends when it has not been used for the sliding {@code lifetime}, or when it is {@code absolute-lifetime}
 * old however recently it was used. The scripts decide both from the service's clock (passed in), and every expiry is
 * set with PEXPIREAT from that same clock, so Redis' TTL only collects what the scripts already refuse.
 */
@Component
public final class RefreshTokenStore {

    static final String PREFIX = "auth:rt:";

    /**
     * KEYS: family, index. ARGV: hash, sub, username, mode, now ms, expires-at ms, family id, jkt (the thumbprint of the
     * DPoP key the family is bound to, or empty).
     */
    private static final String CREATE = """
            redis.call('HSET', KEYS[1], 'cur', ARGV[1], 'sub', ARGV[2], 'username', ARGV[3], 'mode', ARGV[4],
                       'created', ARGV[5], 'rot', ARGV[5], 'jkt', ARGV[8])
            redis.call('PEXPIREAT', KEYS[1], ARGV[6])
            redis.call('ZADD', KEYS[2], ARGV[6], ARGV[7])
            redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[5])
            local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
            redis.call('PEXPIREAT', KEYS[2], string.format('%.0f', tonumber(last[2])))
            return 1
            """;

    /**
     * KEYS: family, index. ARGV: presented hash, new hash, now ms, reuse grace ms, sliding lifetime ms, absolute
     * lifetime ms, family id. Returns {outcome, sub, username, mode} (and, when rotated, the family's creation instant
     * in ms: the login): {@code rotated} (the presented token was live; it
     * is now spent, and family and index live on), {@code race} (it was replaced within the grace period, e.g. by a
     * concurrent request: refused, family kept), {@code reused} (an older spent token: the family is deleted),
     * {@code expired} (a token of the family, but the family is past its sliding or absolute lifetime: deleted),
     * {@code unknown} (no such family or not one of its tokens), {@code key_mismatch} (ARGV[8], the thumbprint of the
     * request's DPoP key or empty, is not the key the family is bound to: refused before anything else, nothing
     * changed, so that a stolen token without the key can neither rotate nor burn the family).
     */
    private static final String ROTATE = """
            if redis.call('EXISTS', KEYS[1]) == 0 then return {'unknown', '', '', ''} end
            local f = redis.call('HMGET', KEYS[1], 'cur', 'prev', 'rot', 'sub', 'username', 'mode', 'created', 'jkt')
            local spent = redis.call('HEXISTS', KEYS[1], 'u:' .. ARGV[1]) == 1
            if f[1] ~= ARGV[1] and not spent then return {'unknown', '', '', ''} end
            if f[8] and f[8] ~= '' and f[8] ~= ARGV[8] then return {'key_mismatch', f[4], f[5], f[6]} end
            local now = tonumber(ARGV[3])
            local created = tonumber(f[7])
            if now - created >= tonumber(ARGV[6]) or now - tonumber(f[3]) >= tonumber(ARGV[5]) then
              redis.call('DEL', KEYS[1])
              redis.call('ZREM', KEYS[2], ARGV[7])
              return {'expired', f[4], f[5], f[6]}
            end
            if f[1] == ARGV[1] then
              local expires = string.format('%.0f', math.min(now + tonumber(ARGV[5]), created + tonumber(ARGV[6])))
              redis.call('HSET', KEYS[1], 'cur', ARGV[2], 'prev', ARGV[1], 'rot', ARGV[3], 'u:' .. ARGV[1], '1')
              redis.call('PEXPIREAT', KEYS[1], expires)
              redis.call('ZADD', KEYS[2], expires, ARGV[7])
              redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[3])
              local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
              redis.call('PEXPIREAT', KEYS[2], string.format('%.0f', tonumber(last[2])))
              return {'rotated', f[4], f[5], f[6], f[7]}
            end
            if f[2] == ARGV[1] and (now - tonumber(f[3])) <= tonumber(ARGV[4]) then
              return {'race', f[4], f[5], f[6]}
            end
            redis.call('DEL', KEYS[1])
            redis.call('ZREM', KEYS[2], ARGV[7])
            return {'reused', f[4], f[5], f[6]}
            """;

    /** KEYS: family, index. ARGV: presented hash, sub, family id. Deletes the family when the token is one of its. */
    private static final String REVOKE = """
            local f = redis.call('HMGET', KEYS[1], 'cur', 'sub')
            if f[2] ~= ARGV[2] then return 0 end
            if f[1] == ARGV[1] or redis.call('HEXISTS', KEYS[1], 'u:' .. ARGV[1]) == 1 then
              redis.call('ZREM', KEYS[2], ARGV[3])
              return redis.call('DEL', KEYS[1])
            end
            return 0
            """;

    /** KEYS: index, then the families to end. ARGV: their ids. Returns how many families existed. */
    private static final String REVOKE_ALL = """
            local deleted = 0
            for i = 2, #KEYS do
              deleted = deleted + redis.call('DEL', KEYS[i])
              redis.call('ZREM', KEYS[1], ARGV[i - 1])
            end
            return deleted
            """;

    private final RedisClusterReactiveCommands<String, String> redis;
    private final Clock clock;
    private final Duration lifetime;
    private final Duration absoluteLifetime;
    private final Duration reuseGrace;

    RefreshTokenStore(RedisClusterReactiveCommands<String, String> redis, Clock clock, AuthProperties properties) {
        this.redis = redis;
        this.clock = clock;
        this.lifetime = properties.refresh().lifetime();
        this.absoluteLifetime = properties.refresh().absoluteLifetime();
        this.reuseGrace = properties.refresh().reuseGrace();
    }

    public static String familyKey(String subject, String familyId) {
        return PREFIX + "{" + subject + "}:f:" + familyId;
    }

    public static String subjectIndexKey(String subject) {
        return PREFIX + "{" + subject + "}:families";
    }

    public static String familySubjectKey(String familyId) {
        return PREFIX + "family:" + familyId;
    }

    /** Starts a family for a fresh login and returns its first token. */
    public Mono<RefreshToken> create(String subject, String username, DeliveryMode mode) {
        return create(subject, username, mode, null);
    }

    /**
     * Starts a family bound to a DPoP key ({@code boundTo}, its thumbprint; null: unbound): every refresh of it must
     * come with a proof of that key.
     */
    public Mono<RefreshToken> create(String subject, String username, DeliveryMode mode, String boundTo) {
        RefreshToken token = RefreshToken.newFamily();
        long now = clock.millis();
        // the pointer first: without its family it is harmless, whereas a family nobody can find could not be refreshed
        return redis.set(familySubjectKey(token.familyId()), subject, SetArgs.Builder.pxAt(now + absoluteLifetime.toMillis()))
                .then(redis.<Long>eval(CREATE, ScriptOutputType.INTEGER,
                                new String[] {familyKey(subject, token.familyId()), subjectIndexKey(subject)},
                                token.hash(), subject, username, mode.name(), Long.toString(now),
                                Long.toString(now + lifetime.toMillis()), token.familyId(), boundTo == null ? "" : boundTo)
                        .next())
                .thenReturn(token);
    }

    /** Spends {@code presented} and, when it was live, mints its successor in the same family. */
    public Mono<Rotation> rotate(RefreshToken presented) {
        return rotate(presented, null);
    }

    /**
     * As {@link #rotate(RefreshToken)}, with the thumbprint of the key the request proved ({@code proven}, null when it
     * sent no DPoP proof): a family bound to another key (or to a key, when there is no proof) is {@code KEY_MISMATCH}.
     */
    public Mono<Rotation> rotate(RefreshToken presented, String proven) {
        RefreshToken next = RefreshToken.inFamily(presented.familyId());
        return redis.get(familySubjectKey(presented.familyId()))
                .flatMap(subject -> redis.<List<Object>>eval(ROTATE, ScriptOutputType.MULTI,
                                new String[] {familyKey(subject, presented.familyId()), subjectIndexKey(subject)},
                                presented.hash(), next.hash(), Long.toString(clock.millis()),
                                Long.toString(reuseGrace.toMillis()), Long.toString(lifetime.toMillis()),
                                Long.toString(absoluteLifetime.toMillis()), presented.familyId(), proven == null ? "" : proven)
                        .next())
                .map(reply -> {
                    Outcome outcome = Outcome.valueOf(text(reply, 0).toUpperCase(java.util.Locale.ROOT));
                    String mode = text(reply, 3);
                    String created = text(reply, 4);
                    return new Rotation(outcome, outcome == Outcome.ROTATED ? next : null, text(reply, 1), text(reply, 2),
                            mode.isEmpty() ? DeliveryMode.COOKIE : DeliveryMode.valueOf(mode),
                            created.isEmpty() ? null : Instant.ofEpochMilli(Long.parseLong(created)));
                })
                .defaultIfEmpty(new Rotation(Outcome.UNKNOWN, null, "", "", DeliveryMode.COOKIE, null));
    }

    /**
     * Whether the family of {@code token} still exists: checked after a rotation's access token is minted, so that a
     * revoke-all or logout that ended the family meanwhile also refuses the token minted from it.
     */
    public Mono<Boolean> isLive(RefreshToken token, String subject) {
        return redis.exists(familyKey(subject, token.familyId())).map(count -> count > 0);
    }

    /** Logout: deletes the family of {@code presented} when it belongs to {@code subject}. */
    public Mono<Boolean> revoke(RefreshToken presented, String subject) {
        return redis.<Long>eval(REVOKE, ScriptOutputType.INTEGER,
                        new String[] {familyKey(subject, presented.familyId()), subjectIndexKey(subject)},
                        presented.hash(), subject, presented.familyId())
                .next()
                .map(deleted -> deleted > 0);
    }

    /**
     * Revoke-all: deletes every family of {@code subject} the index lists; returns how many existed. The index lists
     * every live family (each rotation extends it), so no session survives. A family created by a login while this
     * runs is not in the list read and stays listed: that login came after the revoke-all.
     */
    public Mono<Long> revokeAll(String subject) {
        String index = subjectIndexKey(subject);
        return redis.zrange(index, 0, -1).collectList().flatMap(familyIds -> {
            if (familyIds.isEmpty()) {
                return Mono.just(0L);
            }
            String[] keys = new String[familyIds.size() + 1];
            keys[0] = index;
            for (int i = 0; i < familyIds.size(); i++) {
                keys[i + 1] = familyKey(subject, familyIds.get(i));
            }
            return redis.<Long>eval(REVOKE_ALL, ScriptOutputType.INTEGER, keys, familyIds.toArray(String[]::new)).next();
        });
    }

    public Duration lifetime() {
        return lifetime;
    }

    public Duration absoluteLifetime() {
        return absoluteLifetime;
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

    public enum Outcome { ROTATED, RACE, REUSED, EXPIRED, UNKNOWN, KEY_MISMATCH }

    /**
     * The outcome of a rotation; {@code next} and {@code authenticatedAt} (the login that started the family: the
     * {@code auth_time} of the tokens refreshed from it) only when {@code ROTATED}.
     */
    public record Rotation(Outcome outcome, RefreshToken next, String subject, String username, DeliveryMode mode,
                           Instant authenticatedAt) {
    }
}
