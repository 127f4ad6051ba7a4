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
import dev.portcullis.testsupport.GatewayIdentity;
import dev.portcullis.testsupport.MutableClock;
import dev.portcullis.testsupport.TestClients;
import dev.portcullis.testsupport.TestKeys;
import dev.portcullis.testsupport.TestRedis;
import dev.portcullis.testsupport.TokenFactory;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The gateway on a random port against a real Redis (embedded redis-server or {@code REDIS_URL}) and one WireMock
 * server standing in for the JWKS endpoint and every upstream service. Subclasses share one Spring context. The
 * routes are application.yml's plus the test-only ones of {@code gateway-test-routes.yml} (see {@link TestRoutes}).
 */
@SpringBootTest(classes = {GatewayApplication.class, GatewayIntegrationTest.TestClockConfiguration.class},
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ContextConfiguration(initializers = TestRoutes.class)
public abstract class GatewayIntegrationTest {

    public static final String ISSUER = "http://localhost:8080";
    public static final String AUDIENCE = "portcullis";
    public static final String JWKS_PATH = "/.well-known/jwks.json";

    /**
     * The rate limiter lets a request pass when Redis does not answer within its timeout (100 ms by default). On a busy
     * CI machine that happens now and then, and a test of the limit would see an extra request pass; the tests are
     * about the limit, so they give Redis more time.
     */
    static final String RATE_LIMIT_TIMEOUT = "2s";

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
        // the shipped routes sign identity, each with its service's key (IdentitySignatureIntegrationTest checks them)
        registry.add("USER_SERVICE_IDENTITY_KEY", () -> GatewayIdentity.key("users"));
        registry.add("PRODUCT_SERVICE_IDENTITY_KEY", () -> GatewayIdentity.key("products"));
        registry.add("ORDER_SERVICE_IDENTITY_KEY", () -> GatewayIdentity.key("orders"));
        // REDIS_URL, not portcullis.redis.url: a subclass with a Redis of its own sets the latter, which wins
        registry.add("REDIS_URL", TestRedis::url);
        registry.add("management.server.port", () -> "0");
        registry.add("portcullis.rate-limit.timeout", () -> RATE_LIMIT_TIMEOUT);
    }

    @BeforeEach
    void resetStandIns() {
        // No resetAll(): the gateway polls the JWKS at any moment, and must never find it missing between a reset
        // and the next stub. Newer stubs win in WireMock, so re-stubbing restores the defaults.
        upstream.resetRequests();
        upstream.resetScenarios();
        publishKeys();
        upstream.stubFor(any(urlPathMatching("/(users|products|orders|auth|oauth2|it)(/.*)?"))
                .willReturn(okJson("{\"ok\":true}")));
        TestRedis.flushAll();
        testClock.set(java.time.Instant.ofEpochMilli(System.currentTimeMillis()));
        client = TestClients.localhost(port).build();
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

    /** A client for the management port (actuator). */
    protected WebTestClient management() {
        return TestClients.management(managementPort);
    }

    /** The sum of the Prometheus samples of {@code metric} whose labels contain every one of {@code labels}. */
    protected double metric(String metric, String... labels) {
        String body = management().get().uri("/actuator/prometheus").exchange()
                .expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
        return body.lines()
                .filter(line -> line.startsWith(metric + "{") || line.startsWith(metric + " "))
                .filter(line -> java.util.Arrays.stream(labels).allMatch(line::contains))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }

    /**
     * Starts another gateway instance with the same configuration (same Redis, JWKS and upstreams, random ports) plus
     * {@code extraArguments} such as {@code --portcullis.http.trusted-proxies=127.0.0.1}. The caller closes it.
     */
    protected static ConfigurableApplicationContext startSecondInstance(String... extraArguments) {
        String base = upstream.baseUrl();
        java.util.List<String> arguments = new java.util.ArrayList<>(java.util.List.of(
                "--AUTH_JWKS_URI=" + base + JWKS_PATH, "--AUTH_SERVICE_URL=" + base, "--USER_SERVICE_URL=" + base,
                "--PRODUCT_SERVICE_URL=" + base, "--ORDER_SERVICE_URL=" + base, "--REDIS_URL=" + TestRedis.url(),
                "--USER_SERVICE_IDENTITY_KEY=" + GatewayIdentity.key("users"),
                "--PRODUCT_SERVICE_IDENTITY_KEY=" + GatewayIdentity.key("products"),
                "--ORDER_SERVICE_IDENTITY_KEY=" + GatewayIdentity.key("orders"),
                "--server.port=0", "--management.server.port=0", "--spring.jmx.enabled=false",
                "--portcullis.rate-limit.timeout=" + RATE_LIMIT_TIMEOUT));
        // an extra argument replaces a default one of the same name (two would be joined with a comma)
        for (String extra : extraArguments) {
            String name = extra.substring(0, extra.indexOf('=') + 1);
            arguments.removeIf(argument -> argument.startsWith(name));
        }
        arguments.addAll(java.util.List.of(extraArguments));
        return new SpringApplicationBuilder(GatewayApplication.class, OwnNettyResources.class)
                .initializers(new TestRoutes())
                .run(arguments.toArray(String[]::new));
    }

    /** Synchronous Redis access for arranging test state (never used by the code under test). */
    protected static synchronized RedisCommands<String, String> redis() {
        if (redisCommands == null) {
            StatefulRedisConnection<String, String> connection = RedisClient.create(TestRedis.url()).connect();
            redisCommands = connection.sync();
        }
        return redisCommands;
    }

    /**
     * A second instance must not use Reactor Netty's JVM-global event loops: closing it would shut them down under the
     * test context, whose server and client run on them too.
     */
    @TestConfiguration(proxyBeanMethods = false)
    static class OwnNettyResources {

        @Bean
        org.springframework.http.client.ReactorResourceFactory reactorResourceFactory() {
            org.springframework.http.client.ReactorResourceFactory factory = new org.springframework.http.client.ReactorResourceFactory();
            factory.setUseGlobalResources(false);
            return factory;
        }
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
