package dev.portcullis.gateway.revocation;

import dev.portcullis.contract.RevocationKeys;
import dev.portcullis.gateway.security.VerifiedToken;
import dev.portcullis.redis.RedisConnections;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import java.time.Duration;
import java.util.Optional;
import reactor.core.publisher.Mono;

/**
 * The direct way: GET {@code revoked:jti:{jti}} and {@code revoked:sub:{sub}} for the request. Two single-key GETs
 * (not one MGET) so that it works on Redis Cluster, where the keys live in different slots. Behind a circuit breaker:
 * when Redis fails, the breaker opens and every request gets {@link RevocationStatus#UNKNOWN} at once rather than after
 * a timeout each.
 */
public final class RedisRevocationLookup implements RevocationChecker {

    private final RedisConnections redis;
    private final CircuitBreaker breaker;
    private final Duration timeout;

    public RedisRevocationLookup(RedisConnections redis, CircuitBreaker breaker, Duration timeout) {
        this.redis = redis;
        this.breaker = breaker;
        this.timeout = timeout;
    }

    @Override
    public Mono<RevocationStatus> check(VerifiedToken token) {
        Mono<Optional<String>> jti = redis.reactive().get(RevocationKeys.jtiKey(token.tokenId()))
                .map(Optional::of).defaultIfEmpty(Optional.empty());
        Mono<Optional<String>> subject = redis.reactive().get(RevocationKeys.subjectKey(token.subject()))
                .map(Optional::of).defaultIfEmpty(Optional.empty());
        return Mono.zip(jti, subject)
                .timeout(timeout)
                .map(found -> statusOf(token, found.getT1(), found.getT2()))
                .transform(CircuitBreakerOperator.of(breaker))
                .onErrorReturn(RevocationStatus.UNKNOWN);
    }

    static RevocationStatus statusOf(VerifiedToken token, Optional<String> jti, Optional<String> subject) {
        if (jti.isPresent()) {
            return RevocationStatus.REVOKED_TOKEN;
        }
        if (subject.isPresent()) {
            long revokedAt;
            try {
                revokedAt = Long.parseLong(subject.get().trim());
            } catch (NumberFormatException e) {
                // An unreadable marker still means someone revoked this user: refuse rather than guess.
                return RevocationStatus.REVOKED_SUBJECT;
            }
            if (RevocationKeys.issuedBeforeRevokeAll(token.issuedAtEpochSecond(), revokedAt)) {
                return RevocationStatus.REVOKED_SUBJECT;
            }
        }
        return RevocationStatus.ACTIVE;
    }
}
