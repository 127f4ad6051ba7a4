package dev.portcullis.gateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.gateway.policy.RateLimit;
import dev.portcullis.redis.RedisConnections;
import dev.portcullis.testsupport.TestRedis;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

class LeasingRateLimiterTest {

    private final RedisConnections redis = RedisConnections.connect(TestRedis.url(), Duration.ofSeconds(2), Duration.ofSeconds(2));
    private final RedisGcraLimiter shared = new RedisGcraLimiter(redis, node -> CircuitBreaker.ofDefaults("rl-test"),
            Duration.ofSeconds(2));
    private final String party = "route:u:" + UUID.randomUUID();

    @AfterEach
    void close() {
        redis.close();
    }

    @Test
    void spendsLeasesLocallySoThatMostRequestsCostNoRedisCall() {
        LeasingRateLimiter limiter = new LeasingRateLimiter(shared, 20, 1000);
        RateLimit limit = new RateLimit(200, Duration.ofMinutes(1), 200);
        long scriptCallsBefore = scriptCalls();

        StepVerifier.create(Flux.range(0, 150).concatMap(i -> limiter.acquire(party, limit)).filter(RateLimitDecision::allowed).count())
                .expectNext(150L).verifyComplete();

        assertThat(scriptCalls() - scriptCallsBefore).as("Redis script calls for 150 requests").isLessThanOrEqualTo(150 / 20 + 2);
    }

    @Test
    void twoInstancesSharingOneBucketNeverAdmitMoreThanTheLimit() {
        LeasingRateLimiter first = new LeasingRateLimiter(shared, 20, 1000);
        LeasingRateLimiter second = new LeasingRateLimiter(shared, 20, 1000);
        RateLimit limit = new RateLimit(100, Duration.ofHours(1), 100);

        StepVerifier.create(Flux.range(0, 300)
                        .concatMap(i -> (i % 2 == 0 ? first : second).acquire(party, limit))
                        .filter(RateLimitDecision::allowed).count())
                .assertNext(allowed -> assertThat(allowed).isLessThanOrEqualTo(100).isGreaterThanOrEqualTo(100 - 20))
                .verifyComplete();
    }

    @Test
    void aSpentQuotaIsRefusedLocallyUntilRetryAfter() {
        LeasingRateLimiter limiter = new LeasingRateLimiter(shared, 10, 1000);
        RateLimit limit = new RateLimit(100, Duration.ofHours(1), 100);
        StepVerifier.create(Flux.range(0, 120).concatMap(i -> limiter.acquire(party, limit))).expectNextCount(120).verifyComplete();
        long scriptCallsBefore = scriptCalls();

        StepVerifier.create(Flux.range(0, 50).concatMap(i -> limiter.acquire(party, limit)).last())
                .assertNext(decision -> {
                    assertThat(decision.allowed()).isFalse();
                    assertThat(decision.retryAfter()).isPositive();
                })
                .verifyComplete();
        assertThat(scriptCalls() - scriptCallsBefore).isZero();
    }

    @Test
    void smallLimitsAreExact() {
        LeasingRateLimiter limiter = new LeasingRateLimiter(shared, 20, 1000);
        RateLimit limit = new RateLimit(3, Duration.ofMinutes(1), 3);

        StepVerifier.create(Flux.range(0, 10).concatMap(i -> limiter.acquire(party, limit)).filter(RateLimitDecision::allowed).count())
                .expectNext(3L).verifyComplete();
    }

    @Test
    void aRefundedTokenCanBeSpentAgainEvenByAnExactLimit() {
        LeasingRateLimiter limiter = new LeasingRateLimiter(shared, 20, 1000);
        RateLimit limit = new RateLimit(3, Duration.ofHours(1), 3);
        StepVerifier.create(Flux.range(0, 3).concatMap(i -> limiter.acquire(party, limit)).filter(RateLimitDecision::allowed).count())
                .expectNext(3L).verifyComplete();

        limiter.refund(party);

        StepVerifier.create(Flux.range(0, 3).concatMap(i -> limiter.acquire(party, limit)).filter(RateLimitDecision::allowed).count())
                .as("the refunded token, and nothing more")
                .expectNext(1L).verifyComplete();
    }

    @Test
    void aRefundNeverAddsToTheSharedBucketOfAnotherInstance() {
        LeasingRateLimiter first = new LeasingRateLimiter(shared, 20, 1000);
        LeasingRateLimiter second = new LeasingRateLimiter(shared, 20, 1000);
        RateLimit limit = new RateLimit(3, Duration.ofHours(1), 3);
        StepVerifier.create(Flux.range(0, 3).concatMap(i -> first.acquire(party, limit))).expectNextCount(3).verifyComplete();

        first.refund(party);

        StepVerifier.create(second.acquire(party, limit)).assertNext(decision -> assertThat(decision.allowed()).isFalse())
                .verifyComplete();
    }

    private static long scriptCalls() {
        RedisClient client = RedisClient.create(TestRedis.url());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            String stats = connection.sync().info("commandstats");
            return stats.lines().filter(line -> line.startsWith("cmdstat_evalsha:") || line.startsWith("cmdstat_eval:"))
                    .mapToLong(line -> Long.parseLong(line.replaceAll(".*calls=(\\d+).*", "$1"))).sum();
        } finally {
            client.shutdown();
        }
    }
}
