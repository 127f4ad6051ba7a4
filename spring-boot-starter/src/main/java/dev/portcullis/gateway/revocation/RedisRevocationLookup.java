package dev.portcullis.gateway.revocation;

import dev.portcullis.contract.RevocationKeys;
import dev.portcullis.gateway.token.VerifiedToken;
import dev.portcullis.redis.RedisConnections;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import io.lettuce.core.KeyValue;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.time.Duration;
import java.util.Optional;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The direct way: one MGET of the token's jti key and its subject's key (namespaced by issuer, see
 * {@link RevocationKeys#ISSUER_PREFIX}) for the request; the keys
 * share the {@code {revoked}} hash tag, so this is one command on one node on Redis Cluster too. Behind a circuit breaker:
 * when Redis fails, the breaker opens and every request gets {@link RevocationStatus#UNKNOWN} at once rather than after
 * a timeout each.
 */
public final class RedisRevocationLookup implements RevocationChecker {

    private final RedisConnections redis;
    private final CircuitBreaker breaker;
    private final Duration timeout;
    private final Counter failures;
    private static final Logger log = LoggerFactory.getLogger(RedisRevocationLookup.class);

    public RedisRevocationLookup(RedisConnections redis, CircuitBreaker breaker, Duration timeout, MeterRegistry meters) {
        this.failures = Counter.builder("portcullis.revocation.lookup.failures")
                .description("Direct revocation lookups that Redis (or the open breaker) did not answer: answered UNKNOWN")
                .register(meters);
        this.redis = redis;
        this.breaker = breaker;
        this.timeout = timeout;
    }

    @Override
    public Mono<RevocationStatus> check(VerifiedToken token) {
        String jtiKey = token.revokedTokenKey();
        String subjectKey = token.revokedSubjectKey();
        Flux<KeyValue<String, String>> values = jtiKey == null ? redis.reactive().mget(subjectKey)
                : redis.reactive().mget(jtiKey, subjectKey);
        return values
                .collectMap(KeyValue::getKey, found -> found.getValueOrElse(null))
                .timeout(timeout)
                .map(found -> {
                    Optional<String> jti = Optional.ofNullable(jtiKey == null ? null : found.get(jtiKey));
                    Optional<String> subject = Optional.ofNullable(found.get(subjectKey));
                    return statusOf(token, jti, subject);
                })
                .transform(CircuitBreakerOperator.of(breaker))
                // Failure policy: an unreadable revocation set is UNKNOWN, never ACTIVE; the caller fails closed (503)
                // unless the route opted into fail-open. Counted here by cause; logged per request at debug only (the
                // caller logs the refusal), since an outage would flood the log.
                .onErrorResume(error -> {
                    failures.increment();
                    log.debug("event=revocation_lookup_failed error=\"{}\"", error.toString());
                    return Mono.just(RevocationStatus.UNKNOWN);
                });
    }

    /** The breaker's open interval: until then an open breaker answers UNKNOWN without asking Redis. */
    @Override
    public Duration retryAfterUnknown() {
        return Duration.ofMillis(breaker.getCircuitBreakerConfig().getWaitIntervalFunctionInOpenState().apply(1));
    }

    /**
     * Another read of the revocation set's node just succeeded (the view's heartbeat): close the breaker if it is open
     * or half-open. Otherwise it would stay open after a fail-over until lookups came, and then its half-open state
     * would refuse all but a handful of the burst of lookups that a distrusted view sends, each a 503.
     */
    public void redisAnswered() {
        CircuitBreaker.State state = breaker.getState();
        if (state == CircuitBreaker.State.OPEN || state == CircuitBreaker.State.HALF_OPEN) {
            breaker.transitionToClosedState();
            log.info("event=revocation_breaker_closed reason=revocation_node_answered previous_state={}", state);
        }
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
