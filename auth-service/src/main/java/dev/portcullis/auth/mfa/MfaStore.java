package dev.portcullis.auth.mfa;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * TOTP enrolments in Redis, one hash per subject, {@code auth:mfa:{<sub>}} (every script touches only that key):
 * <ul>
 *   <li>{@code secret} (AES-GCM ciphertext) and {@code status}: {@code pending} until the first good code, then
 *       {@code active}; {@code last_step}: the last accepted time step of the active secret.</li>
 *   <li>{@code next}: a replacement secret awaiting its first code while the {@code active} one keeps working.</li>
 *   <li>{@code pending_until} (epoch ms) and {@code pending_jti}: when the pending secret (the {@code secret} of a
 *       {@code pending} enrolment, or {@code next}) expires, and the access token that started it.</li>
 * </ul>
 * A first enrolment that is never verified disappears with its key after the enrolment lifetime; an active one has
 * no TTL. (A pending enrolment written before {@code pending_until} existed reads as expired: it can be started
 * again, not verified. Active ones read unchanged.)
 */
@Component
final class MfaStore {

    static final String PREFIX = "auth:mfa:";

    /**
     * Starts a first enrolment. ARGV: ciphertext, now ms, pending-until ms, jti, lifetime ms. Refused ({@code active})
     * once a secret is active, and ({@code pending}) while another token's enrolment is pending and not expired.
     */
    private static final String START_FIRST = """
            local status = redis.call('HGET', KEYS[1], 'status')
            if status == 'active' then return 'active' end
            local pendingUntil = tonumber(redis.call('HGET', KEYS[1], 'pending_until') or '0')
            if status == 'pending' and pendingUntil > tonumber(ARGV[2])
                and redis.call('HGET', KEYS[1], 'pending_jti') ~= ARGV[4] then
              return 'pending'
            end
            redis.call('DEL', KEYS[1])
            redis.call('HSET', KEYS[1], 'secret', ARGV[1], 'status', 'pending', 'pending_until', ARGV[3],
                'pending_jti', ARGV[4])
            redis.call('PEXPIRE', KEYS[1], ARGV[5])
            return 'ok'
            """;

    /**
     * Starts a replacement of the active secret, whose code of step ARGV[5] the caller has just checked against the
     * active ciphertext ARGV[4]. ARGV: new ciphertext, pending-until ms, jti, active ciphertext, step. The code is
     * spent like a verification ({@code reused} if its step is not newer than the last accepted one); {@code changed}
     * if the active secret is no longer the one the code was checked against.
     */
    private static final String START_REPLACEMENT = """
            if redis.call('HGET', KEYS[1], 'status') ~= 'active'
                or redis.call('HGET', KEYS[1], 'secret') ~= ARGV[4] then
              return 'changed'
            end
            if tonumber(ARGV[5]) <= tonumber(redis.call('HGET', KEYS[1], 'last_step') or '-1') then return 'reused' end
            redis.call('HSET', KEYS[1], 'last_step', ARGV[5], 'next', ARGV[1], 'pending_until', ARGV[2],
                'pending_jti', ARGV[3])
            return 'ok'
            """;

    /**
     * Accepts a code of step ARGV[3] that matched ciphertext ARGV[2]. ARGV[1]: {@code active} (a step-up: the step
     * must be newer than the last accepted one, each code works once) or {@code pending} (the first good code of a
     * pending secret makes it the active one, replacing the previous active secret). ARGV[4]: now ms. Returns 1
     * accepted, 0 reused, 2 when the secret changed meanwhile (or the pending one expired).
     */
    private static final String ACCEPT = """
            local status = redis.call('HGET', KEYS[1], 'status')
            if ARGV[1] == 'active' then
              if status ~= 'active' or redis.call('HGET', KEYS[1], 'secret') ~= ARGV[2] then return 2 end
              if tonumber(ARGV[3]) <= tonumber(redis.call('HGET', KEYS[1], 'last_step') or '-1') then return 0 end
              redis.call('HSET', KEYS[1], 'last_step', ARGV[3])
              return 1
            end
            if tonumber(redis.call('HGET', KEYS[1], 'pending_until') or '0') <= tonumber(ARGV[4]) then return 2 end
            local field = 'next'
            if status == 'pending' then field = 'secret' end
            if redis.call('HGET', KEYS[1], field) ~= ARGV[2] then return 2 end
            redis.call('HSET', KEYS[1], 'secret', ARGV[2], 'status', 'active', 'last_step', ARGV[3])
            redis.call('HDEL', KEYS[1], 'next', 'pending_until', 'pending_jti')
            redis.call('PERSIST', KEYS[1])
            return 1
            """;

    private final RedisClusterReactiveCommands<String, String> redis;

    MfaStore(RedisClusterReactiveCommands<String, String> redis) {
        this.redis = redis;
    }

    static String key(String subject) {
        return PREFIX + "{" + subject + "}";
    }

    Mono<Enrolment> find(String subject) {
        return redis.hgetall(key(subject)).collectMap(kv -> kv.getKey(), kv -> kv.getValue())
                .filter(map -> map.containsKey("secret"))
                .map(MfaStore::enrolment);
    }

    private static Enrolment enrolment(Map<String, String> hash) {
        boolean active = "active".equals(hash.get("status"));
        String pending = active ? hash.get("next") : hash.get("secret");
        long pendingUntil = Long.parseLong(hash.getOrDefault("pending_until", "0"));
        return new Enrolment(active ? hash.get("secret") : null, pending,
                pending == null ? Instant.EPOCH : Instant.ofEpochMilli(pendingUntil), hash.get("pending_jti"));
    }

    /** Starts a first enrolment; see {@link #START_FIRST}. */
    Mono<String> startFirst(String subject, String encryptedSecret, Instant now, Duration lifetime, String jti) {
        return redis.<String>eval(START_FIRST, ScriptOutputType.VALUE, new String[] {key(subject)}, encryptedSecret,
                        Long.toString(now.toEpochMilli()), Long.toString(now.plus(lifetime).toEpochMilli()), jti,
                        Long.toString(lifetime.toMillis()))
                .next();
    }

    /** Starts a replacement kept beside the active secret; see {@link #START_REPLACEMENT}. */
    Mono<String> startReplacement(String subject, String encryptedSecret, Instant pendingUntil, String jti,
                                  String activeSecret, long step) {
        return redis.<String>eval(START_REPLACEMENT, ScriptOutputType.VALUE, new String[] {key(subject)},
                        encryptedSecret, Long.toString(pendingUntil.toEpochMilli()), jti, activeSecret,
                        Long.toString(step))
                .next();
    }

    /** Accepts a code; see {@link #ACCEPT}. */
    Mono<Accepted> accept(String subject, boolean pending, String encryptedSecret, long step, Instant now) {
        return redis.<Long>eval(ACCEPT, ScriptOutputType.INTEGER, new String[] {key(subject)},
                        pending ? "pending" : "active", encryptedSecret, Long.toString(step),
                        Long.toString(now.toEpochMilli()))
                .next()
                .map(result -> result == 1L ? Accepted.YES : result == 0L ? Accepted.REUSED : Accepted.CHANGED);
    }

    enum Accepted { YES, REUSED, CHANGED }

    /**
     * What a subject has enrolled: the active secret (null before the first good code) and a pending one (a first
     * enrolment, or a replacement), each as ciphertext.
     */
    record Enrolment(String activeSecret, String pendingSecret, Instant pendingUntil, String pendingJti) {

        boolean isActive() {
            return activeSecret != null;
        }

        /** The pending secret if it has not expired at {@code now}. */
        String livePending(Instant now) {
            return pendingSecret != null && pendingUntil.isAfter(now) ? pendingSecret : null;
        }

        @Override
        public String toString() {
            return "Enrolment[active=" + isActive() + ", pending=" + (pendingSecret != null) + "]";
        }
    }
}
