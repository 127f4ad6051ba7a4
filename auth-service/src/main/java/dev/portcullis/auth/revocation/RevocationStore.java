package dev.portcullis.auth.revocation;

import dev.portcullis.auth.config.AuthProperties;
import dev.portcullis.contract.RevocationKeys;
import dev.portcullis.contract.RevocationMessage;
import dev.portcullis.contract.RevocationScript;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * The revocation keys of the contract ({@link RevocationKeys}), written here and read by every gateway:
 * {@code {revoked}:jti:<jti>} = {@code "1"} until the token's {@code exp} plus clock skew, and
 * {@code {revoked}:sub:<sub>} = the revoke-all instant in epoch milliseconds for the longest token lifetime plus skew.
 * Each write is one {@link RevocationScript}: the key, the next {@code {revoked}:seq} and the
 * {@link RevocationMessage} carrying it on the {@code revocations} channel go out in one atomic step, so a caching
 * gateway either hears of the revocation or sees the sequence move without it, and resyncs.
 */
@Component
public final class RevocationStore {

    private final RedisClusterReactiveCommands<String, String> redis;
    private final Clock clock;
    private final Duration clockSkew;
    private final Duration subjectTtl;
    private final String channel;

    @Autowired
    RevocationStore(RedisClusterReactiveCommands<String, String> redis, Clock clock, AuthProperties properties) {
        this(redis, clock, properties, RevocationKeys.CHANNEL);
    }

    /** @param channel where the messages go: {@link RevocationKeys#CHANNEL}, or in a test one nobody listens to */
    RevocationStore(RedisClusterReactiveCommands<String, String> redis, Clock clock, AuthProperties properties,
                    String channel) {
        this.redis = redis;
        this.channel = channel;
        this.clock = clock;
        this.clockSkew = properties.clockSkew();
        // The marker lives as long as the longest token any gateway accepts (the shared bound, not just the longest
        // this service issues): a token minted with a leaked key and an older iat is still refused after a revoke-all.
        this.subjectTtl = RevocationKeys.subjectKeyTtl(properties.maxTokenLifetime(), properties.clockSkew());
    }

    /** Revokes one access token until it could no longer pass any verifier anyway. */
    public Mono<Void> revokeToken(String jti, Instant expiresAt) {
        long ttl = Duration.between(clock.instant(), expiresAt.plus(clockSkew)).toMillis();
        if (ttl <= 0) {
            return Mono.empty(); // already past exp + skew: every verifier refuses it on its own
        }
        return write(new RevocationMessage.TokenRevoked(jti, expiresAt.toEpochMilli()), Duration.ofMillis(ttl)).then();
    }

    /**
     * Revokes every token of {@code subject} issued at or before now; returns the instant written (epoch ms).
     */
    public Mono<Long> revokeSubject(String subject) {
        long now = clock.millis();
        return write(new RevocationMessage.SubjectRevoked(subject, now), subjectTtl).thenReturn(now);
    }

    /** Key, sequence and message in one script; answers the sequence the revocation got. */
    Mono<Long> write(RevocationMessage revocation, Duration ttl) {
        return redis.<Long>eval(RevocationScript.LUA, ScriptOutputType.INTEGER, RevocationScript.keys(revocation),
                        RevocationScript.arguments(revocation, ttl, channel))
                .next();
    }

    /** Whether this token's jti is revoked or it was issued at or before a revoke-all of its subject. */
    public Mono<Boolean> isRevoked(String jti, String subject, long issuedAtEpochSecond) {
        Mono<Boolean> jtiRevoked = redis.exists(RevocationKeys.jtiKey(jti)).map(n -> n > 0);
        Mono<Boolean> subjectRevoked = subjectMarker(subject)
                .map(marker -> marker.filter(ms -> RevocationKeys.issuedBeforeRevokeAll(issuedAtEpochSecond, ms)).isPresent());
        return Mono.zip(jtiRevoked, subjectRevoked, (a, b) -> a || b);
    }

    /** The current revoke-all marker of {@code subject}, if any. */
    public Mono<Optional<Long>> subjectMarker(String subject) {
        return redis.get(RevocationKeys.subjectKey(subject))
                .map(value -> {
                    try {
                        return Optional.of(Long.parseLong(value));
                    } catch (NumberFormatException e) {
                        return Optional.<Long>empty();
                    }
                })
                .defaultIfEmpty(Optional.empty());
    }
}
