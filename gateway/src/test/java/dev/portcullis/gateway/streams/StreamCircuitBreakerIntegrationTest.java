package dev.portcullis.gateway.streams;

import dev.portcullis.gateway.support.GatewayIntegrationTest;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.test.StepVerifier;

/**
 * A stream lasts as long as its client stays: the route's circuit breaker judges it when its response starts, so that
 * long streams never count as slow calls that would open the breaker of a route serving nothing but streams.
 */
class StreamCircuitBreakerIntegrationTest extends GatewayIntegrationTest {

    @DynamicPropertySource
    static void quickToJudgeSlowCalls(DynamicPropertyRegistry registry) {
        registry.add("portcullis.resilience.slow-call-threshold", () -> "200ms");
        registry.add("portcullis.resilience.minimum-calls", () -> "2");
    }

    @Test
    void eventStreamsLongerThanTheSlowCallThresholdNeverOpenTheirRoutesBreaker() {
        String token = tokens.forUser("u-long-streams").sign();
        WebClient gateway = WebClient.create("http://localhost:" + port);
        for (int stream = 0; stream < 4; stream++) {
            // ten events 50 ms apart, then the upstream ends the stream: each lasts about half a second, over twice the
            // slow-call threshold, and ends normally (as a revoked or expired stream does), so the breaker hears of it
            StepVerifier.create(gateway.get().uri("/it/sse/finite").header("Authorization", "Bearer " + token).retrieve()
                            .bodyToFlux(new ParameterizedTypeReference<ServerSentEvent<String>>() { })
                            .map(ServerSentEvent::data))
                    .expectNextCount(10)
                    .expectComplete()
                    .verify(Duration.ofSeconds(5));
        }
    }
}
