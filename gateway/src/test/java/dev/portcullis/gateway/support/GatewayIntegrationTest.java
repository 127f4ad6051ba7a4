package dev.portcullis.gateway.support;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.portcullis.gateway.GatewayApplication;
import dev.portcullis.testsupport.MutableClock;
import dev.portcullis.testsupport.TestKeys;
import dev.portcullis.testsupport.TestRedis;
import dev.portcullis.testsupport.TokenFactory;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The gateway on a random port against a real Redis (embedded redis-server or {@code REDIS_URL}) and one WireMock
 * server standing in for the JWKS endpoint and every upstream service. Subclasses share one Spring context.
 */
@SpringBootTest(classes = {GatewayApplication.class, GatewayIntegrationTest.TestClockConfiguration.class},
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class GatewayIntegrationTest {

    public static final String ISSUER = "http://localhost:8080";
    public static final String AUDIENCE = "portcullis";
    public static final String JWKS_PATH = "/.well-known/jwks.json";

    protected static final WireMockServer upstream = startWireMock();
    protected static final MutableClock clock = MutableClock.startingNow();
    protected static final TokenFactory tokens = new TokenFactory(TestKeys.RSA, ISSUER, AUDIENCE, clock);
    private static RedisCommands<String, String> redisCommands;

    @LocalServerPort
    protected int port;

    @LocalManagementPort
    protected int managementPort;

    @Autowired
    protected MutableClock testClock;

    protected WebTestClient client;

    private static WireMockServer startWireMock() {
        WireMockServer server = new WireMockServer(wireMockConfig().dynamicPort());
        server.start();
        // The JWKS must be there before the first context starts polling it.
        server.stubFor(get(urlPathEqualTo(JWKS_PATH)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(TestKeys.jwksJson(TestKeys.RSA))));
        return server;
    }

    @DynamicPropertySource
    static void gatewayProperties(DynamicPropertyRegistry registry) {
        String base = upstream.baseUrl();
        registry.add("AUTH_JWKS_URI", () -> base + JWKS_PATH);
        registry.add("AUTH_SERVICE_URL", () -> base);
        registry.add("USER_SERVICE_URL", () -> base);
        registry.add("PRODUCT_SERVICE_URL", () -> base);
        registry.add("ORDER_SERVICE_URL", () -> base);
        // REDIS_URL, not portcullis.redis.url: a subclass with a Redis of its own sets the latter, which wins
        registry.add("REDIS_URL", TestRedis::url);
        registry.add("management.server.port", () -> "0");
    }

    @BeforeEach
    void resetStandIns() {
        // No resetAll(): the gateway polls the JWKS at any moment, and must never find it missing between a reset
        // and the next stub. Newer stubs win in WireMock, so re-stubbing restores the defaults.
        upstream.resetRequests();
        upstream.resetScenarios();
        publishKeys();
        upstream.stubFor(any(urlPathMatching("/(users|products|orders|auth|oauth2)(/.*)?"))
                .willReturn(okJson("{\"ok\":true}")));
        TestRedis.flushAll();
        testClock.set(java.time.Instant.ofEpochMilli(System.currentTimeMillis()));
        client = WebTestClient.bindToServer().baseUrl("http://localhost:" + port)
                .responseTimeout(Duration.ofSeconds(20)).build();
    }

    /** Serves the JWKS with the given keys (default: the test RSA key). */
    protected static void publishKeys(com.nimbusds.jose.jwk.JWK... keys) {
        com.nimbusds.jose.jwk.JWK[] published = keys.length == 0 ? new com.nimbusds.jose.jwk.JWK[] {TestKeys.RSA} : keys;
        upstream.stubFor(get(urlPathEqualTo(JWKS_PATH)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(TestKeys.jwksJson(published))));
    }

    protected WebTestClient.RequestHeadersSpec<?> getWithToken(String path, String token) {
        return client.get().uri(path).header("Authorization", "Bearer " + token);
    }

    /** Synchronous Redis access for arranging test state (never used by the code under test). */
    protected static synchronized RedisCommands<String, String> redis() {
        if (redisCommands == null) {
            StatefulRedisConnection<String, String> connection = RedisClient.create(TestRedis.url()).connect();
            redisCommands = connection.sync();
        }
        return redisCommands;
    }

    @TestConfiguration(proxyBeanMethods = false)
    static class TestClockConfiguration {

        @Bean
        @Primary
        MutableClock testClock() {
            return clock;
        }
    }
}
