package dev.portcullis.gateway;

import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.contract.RevocationKeys;
import dev.portcullis.contract.RevocationMessage;
import dev.portcullis.gateway.revocation.RedisRevocationLookup;
import dev.portcullis.gateway.revocation.RevocationStatus;
import dev.portcullis.gateway.token.VerifiedToken;
import dev.portcullis.gateway.support.GatewayIntegrationTest;
import dev.portcullis.redis.RedisConnections;
import dev.portcullis.testsupport.BlockHoundCheck;
import dev.portcullis.testsupport.TestKeys;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * The gateway never blocks a non-blocking thread (Netty event loops, Reactor's parallel scheduler): BlockHound is
 * installed in this JVM and real requests are driven through every part of the request path that does I/O — token
 * verification, a JWKS fetch for a new kid, revocation (view and Redis lookup), the Redis rate limiter, the upstream
 * call. Every blocking call BlockHound sees is recorded, also those that a fail-open path would swallow.
 *
 * <p>BlockHound stays installed for the rest of the JVM: test classes that run later are checked as well.
 */
// First of all classes (junit-platform.properties orders by @Order): no other context's background threads yet.
@org.junit.jupiter.api.Order(1)
class BlockHoundIntegrationTest extends GatewayIntegrationTest {

    static {
        BlockHoundCheck.install();
    }

    @Autowired
    RedisConnections redisConnections;

    @BeforeEach
    void nothingDetectedYet() {
        BlockHoundCheck.clear();
    }

    @Test
    void blockHoundIsActiveAndCatchesABlockingCallOnANonBlockingThread() {
        BlockHoundCheck.assertCatchesABlockingCall();
    }

    @Test
    void servesRequestsThroughEveryIoPathWithoutBlocking() {
        // token verification + upstream call
        String token = tokens.forUser("u-1").permissions("orders:read").sign();
        getWithToken("/api/orders/1", token).exchange().expectStatus().isOk();
        getWithToken("/api/orders/1", token).exchange().expectStatus().isOk();

        // a key the gateway has not seen: a JWKS fetch, off the event loop
        publishKeys(TestKeys.RSA, TestKeys.RSA_NEXT);
        String rotated = tokens.forUser("u-2").signedWith(TestKeys.RSA_NEXT).sign();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                getWithToken("/api/users/me", rotated).exchange().expectStatus().isOk());

        // rate limiter (Redis script) on an authenticated and on a public route
        getWithToken("/it/limited/items", tokens.forUser("u-3").sign()).exchange().expectStatus().isOk();
        client.post().uri("/auth/login").bodyValue("{}").exchange().expectStatus().isOk();

        // DPoP: a bound token's proof (ES256 check, replay SET NX in Redis) on the event loop
        com.nimbusds.jose.jwk.ECKey dpopKey = dev.portcullis.testsupport.DpopProofs.newKey();
        String bound = tokens.forUser("u-dpop").claim("cnf",
                java.util.Map.of("jkt", dev.portcullis.testsupport.DpopProofs.thumbprint(dpopKey))).sign();
        client.get().uri("/api/users/me").header("Authorization", "DPoP " + bound)
                .header("DPoP", dev.portcullis.testsupport.DpopProofs.of(dpopKey).url("http://localhost:" + port + "/api/users/me")
                        .token(bound).issuedAt(testClock.instant()).sign())
                .exchange().expectStatus().isOk();

        // revocation: a revoked token arrives through the channel and is refused from the view
        String revoked = tokens.forUser("u-4").jti("jti-blockhound").sign();
        getWithToken("/api/users/me", revoked).exchange().expectStatus().isOk();
        long expiresAt = Instant.now().plus(Duration.ofMinutes(15)).toEpochMilli();
        redis().set(RevocationKeys.jtiKey("jti-blockhound"), "1");
        redis().publish(RevocationKeys.CHANNEL, new RevocationMessage.TokenRevoked("jti-blockhound", expiresAt).encode());
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                getWithToken("/api/users/me", revoked).exchange().expectStatus().isUnauthorized());

        // revocation looked up in Redis (the path used while the view is not live), from a non-blocking thread
        VerifiedToken verified = VerifiedToken.of("u-4", "jti-blockhound", Instant.now().getEpochSecond(),
                Instant.now().plusSeconds(600), "user", List.of(), List.of(), List.of("pwd"), "web");
        RedisRevocationLookup lookup = new RedisRevocationLookup(redisConnections, CircuitBreaker.ofDefaults("blockhound"),
                Duration.ofSeconds(2), new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        StepVerifier.create(Mono.defer(() -> lookup.check(verified)).subscribeOn(Schedulers.parallel()))
                .expectNext(RevocationStatus.REVOKED_TOKEN)
                .verifyComplete();

        // rejections are I/O too: a problem document written from the event loop
        client.get().uri("/api/users/me").exchange().expectStatus().isUnauthorized();
        client.get().uri("/nowhere").exchange().expectStatus().isNotFound();

        upstream.verify(getRequestedFor(urlPathEqualTo("/orders/1")));
        assertThat(BlockHoundCheck.detected()).as("blocking calls on non-blocking threads").isEmpty();
    }
}
