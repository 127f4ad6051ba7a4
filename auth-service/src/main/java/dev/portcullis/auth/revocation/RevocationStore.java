package dev.portcullis.auth.revocation;

import dev.portcullis.auth.config.AuthProperties;
import dev.portcullis.contract.RevocationKeys;
import dev.portcullis.contract.RevocationMessage;
import dev.portcullis.contract.RevocationScript;
import dev.portcullis.auth.web.ApiException;
import dev.portcullis.redis.RedisConnections;
import io.lettuce.core.ScriptOutputType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
 *
 * <p>A revocation is confirmed to the caller only once it is on the master and on
 * {@code portcullis.auth.redis.revocation-replicas} of its replicas (WAIT): Redis replicates asynchronously, and a
 * master lost right after the script would otherwise take the revocation with it, the promoted replica never having
 * had the key. Failure policy: a revocation Redis did not take, or whose replicas did not confirm it in time, is an
 * error the client can retry (503 with {@code Retry-After}), never a success that no gateway hears about; logged and
 * counted ({@code portcullis.auth.revocation.writes{outcome}}). Writing it again is harmless.
 */
@Component
public final class RevocationStore {

    private static final Logger log = LoggerFactory.getLogger(RevocationStore.class);

    private final RedisConnections connections;
    private final RedisClusterReactiveCommands<String, String> redis;
    private final int replicas;
    private final Duration replicaTimeout;
    private final Counter replicated;
    private final Counter unreplicated;
    private final Counter failed;
    private final Clock clock;
    private final Duration clockSkew;
    private final Duration subjectTtl;
    private final String channel;

    @Autowired
    RevocationStore(RedisConnections redis, Clock clock, AuthProperties properties, MeterRegistry meters) {
        this(redis, clock, properties, meters, RevocationKeys.CHANNEL);
    }

    /** @param channel where the messages go: {@link RevocationKeys#CHANNEL}, or in a test one nobody listens to */
    RevocationStore(RedisConnections redis, Clock clock, AuthProperties properties, MeterRegistry meters, String channel) {
        this.connections = redis;
        this.redis = redis.reactive();
        this.replicas = properties.redis().revocationReplicas();
        this.replicaTimeout = properties.redis().revocationReplicaTimeout();
        this.replicated = writes(meters, "replicated");
        this.unreplicated = writes(meters, "unreplicated");
        this.failed = writes(meters, "failed");
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
        // the issue instant rides in the message: every gateway measures from it how long the revocation took to hold
        return write(new RevocationMessage.TokenRevoked(jti, expiresAt.toEpochMilli()).issuedAt(clock.millis()),
                Duration.ofMillis(ttl)).then();
    }

    /**
     * Revokes every token of {@code subject} issued at or before now; returns the instant written (epoch ms).
     */
    public Mono<Long> revokeSubject(String subject) {
        long now = clock.millis();
        return write(new RevocationMessage.SubjectRevoked(subject, now).issuedAt(now), subjectTtl).thenReturn(now);
    }

    private static Counter writes(MeterRegistry meters, String outcome) {
        return Counter.builder("portcullis.auth.revocation.writes")
                .description("Revocation writes: replicated (confirmed), unreplicated or failed (the client got a retryable 503)")
                .tag("outcome", outcome).register(meters);
    }

    /**
     * Key, sequence and message in one script on the master, then confirmed by its replicas; answers the sequence the
     * revocation got. Errors (a retryable 503) when Redis did not take it or its replicas did not confirm it in time.
     */
    Mono<Long> write(RevocationMessage revocation, Duration ttl) {
        return connections.writeAndWait(revocation.key(),
                        node -> node.<Long>eval(RevocationScript.LUA, ScriptOutputType.INTEGER, RevocationScript.keys(revocation),
                                RevocationScript.arguments(revocation, ttl, channel)).next(),
                        replicas, replicaTimeout)
                .doOnError(error -> {
                    failed.increment();
                    log.warn("event=revocation_write_failed policy=retryable_503 error={}", error.getClass().getSimpleName());
                })
                .flatMap(written -> {
                    if (written.isReplicated()) {
                        replicated.increment();
                        return Mono.just(written.result());
                    }
                    // Written and published on the master, but a fail-over now could still lose the key: the client
                    // is told to retry rather than that it is done.
                    unreplicated.increment();
                    log.warn("event=revocation_unreplicated policy=retryable_503 sequence={} replicas_connected={} "
                                    + "replicas_wanted={} replicas_acknowledged={}", written.result(), written.connected(),
                            written.wanted(), written.acknowledged());
                    return Mono.error(ApiException.unavailable("The revocation could not be confirmed yet; retry shortly"));
                });
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
