package dev.portcullis.dpop;

import com.nimbusds.jose.util.Base64URL;
import dev.portcullis.redis.RedisConnections;
import io.lettuce.core.SetArgs;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import reactor.core.publisher.Mono;

/**
 * Remembers every accepted proof for its window, in Redis, so that all instances of a tier refuse a proof another
 * instance has already accepted: one {@code SET <key> 1 NX PX <window>} per proof, a single key per command (any Redis
 * Cluster node answers it without a script or a hash tag). The key ({@link #key}) is scoped by the tier (the gateway
 * and the auth service are two resource servers, each with its own set) and by the key's thumbprint, so one client's
 * {@code jti} values can never collide with another's.
 */
public final class DpopReplayCache {

    /** Key prefix; docs/redis-schema.md lists the key. */
    public static final String PREFIX = "dpop:jti:";

    /** What the replay cache says about a proof. */
    public enum Verdict {
        /** Not seen before: now remembered. */
        FIRST_USE,
        /** Seen before within its window. */
        REPLAYED,
        /** Redis did not answer in time: freshness unknown. */
        UNAVAILABLE
    }

    private final RedisConnections redis;
    private final String scope;
    private final Duration window;
    private final Duration timeout;

    /**
     * @param scope   the tier, e.g. {@code gw} or {@code auth}: letters, digits and dashes
     * @param window  how long a proof is remembered, {@link DpopRules#replayWindow()}
     * @param timeout how long to wait for Redis before the verdict is {@link Verdict#UNAVAILABLE}
     */
    public DpopReplayCache(RedisConnections redis, String scope, Duration window, Duration timeout) {
        if (!scope.matches("[a-z0-9-]{1,32}")) {
            throw new IllegalArgumentException("replay scope: lower-case letters, digits and dashes only");
        }
        this.redis = redis;
        this.scope = scope;
        this.window = window;
        this.timeout = timeout;
    }

    /**
     * {@code dpop:jti:<scope>:<jkt>:<base64url(SHA-256(jti))>}: the {@code jti} is hashed so that a key has a fixed
     * length and no character a client chose.
     */
    public static String key(String scope, String thumbprint, String jti) {
        return PREFIX + scope + ":" + thumbprint + ":" + jtiHash(jti);
    }

    /** Records the proof; never errors (a Redis failure is {@link Verdict#UNAVAILABLE}, the caller's policy decides). */
    public Mono<Verdict> firstUse(DpopCheck.Accepted proof) {
        String key = key(scope, proof.thumbprint(), proof.jti());
        return redis.reactive().set(key, "1", SetArgs.Builder.nx().px(window.toMillis()))
                .map(ok -> Verdict.FIRST_USE)
                // SET NX answers nil when the key exists: the proof was accepted before
                .defaultIfEmpty(Verdict.REPLAYED)
                .timeout(timeout)
                .onErrorReturn(Verdict.UNAVAILABLE);
    }

    private static String jtiHash(String jti) {
        try {
            return Base64URL.encode(MessageDigest.getInstance("SHA-256").digest(jti.getBytes(StandardCharsets.UTF_8))).toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
