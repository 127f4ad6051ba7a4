package dev.portcullis.auth.mfa;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * TOTP enrolments in Redis: {@code auth:mfa:{<sub>}} hash with {@code secret} (AES-GCM ciphertext), {@code status}
 * ({@code pending} until the first good code, then {@code active}) and {@code last_step} (the last accepted time step).
 */
@Component
final class MfaStore {

    static final String PREFIX = "auth:mfa:";

    /** Accepts a step only when it is newer than the last accepted one: each code works once. */
    private static final String ACCEPT_STEP = """
            local last = tonumber(redis.call('HGET', KEYS[1], 'last_step') or '-1')
            if tonumber(ARGV[1]) <= last then return 0 end
            redis.call('HSET', KEYS[1], 'last_step', ARGV[1], 'status', 'active')
            return 1
            """;

    private static final String SAVE_PENDING = """
            redis.call('DEL', KEYS[1])
            redis.call('HSET', KEYS[1], 'secret', ARGV[1], 'status', 'pending')
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
                .map(map -> new Enrolment(map.get("secret"), "active".equals(map.get("status"))));
    }

    /** Stores a new pending secret, replacing any earlier enrolment. */
    Mono<Void> savePending(String subject, String encryptedSecret) {
        return redis.<Long>eval(SAVE_PENDING, ScriptOutputType.INTEGER, new String[] {key(subject)}, encryptedSecret)
                .then();
    }

    Mono<Boolean> acceptStep(String subject, long step) {
        return redis.<Long>eval(ACCEPT_STEP, ScriptOutputType.INTEGER, new String[] {key(subject)}, Long.toString(step))
                .next().map(accepted -> accepted == 1L);
    }

    record Enrolment(String encryptedSecret, boolean active) {
    }
}
