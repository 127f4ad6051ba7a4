package dev.portcullis.auth.user;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Repository;
import reactor.core.publisher.Mono;

/**
 * Users in Redis, one hash per account: {@code auth:user:<username>} with fields {@code id}, {@code username},
 * {@code role}, {@code permissions} (comma-separated) and {@code password_hash}. No TTL.
 */
@Repository
public final class UserRepository {

    static final String PREFIX = "auth:user:";

    /** Creates the hash only when the key does not exist yet: one round trip, no lost update. */
    private static final String CREATE_IF_ABSENT = """
            if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
            redis.call('HSET', KEYS[1], 'id', ARGV[1], 'username', ARGV[2], 'role', ARGV[3],
                       'permissions', ARGV[4], 'password_hash', ARGV[5])
            return 1
            """;

    private final RedisClusterReactiveCommands<String, String> redis;

    UserRepository(RedisClusterReactiveCommands<String, String> redis) {
        this.redis = redis;
    }

    public static String key(String username) {
        return PREFIX + username;
    }

    /** The user with this (already normalised) name, or empty. */
    public Mono<User> find(String username) {
        return redis.hgetall(key(username)).collectMap(kv -> kv.getKey(), kv -> kv.getValue())
                .filter(map -> !map.isEmpty() && map.containsKey("id"))
                .map(UserRepository::fromHash);
    }

    /** True when created, false when the username was taken. */
    public Mono<Boolean> createIfAbsent(User user) {
        String[] args = {user.id(), user.username(), user.role(), String.join(",", user.permissions()), user.passwordHash()};
        return redis.<Long>eval(CREATE_IF_ABSENT, ScriptOutputType.INTEGER, new String[] {key(user.username())}, args)
                .next()
                .map(created -> created == 1L);
    }

    private static User fromHash(Map<String, String> hash) {
        String permissions = hash.getOrDefault("permissions", "");
        List<String> list = permissions.isBlank() ? List.of() : Arrays.stream(permissions.split(",")).map(String::trim)
                .filter(s -> !s.isEmpty()).toList();
        return new User(hash.get("id"), hash.get("username"), hash.getOrDefault("role", "user"), list,
                hash.getOrDefault("password_hash", ""));
    }
}
