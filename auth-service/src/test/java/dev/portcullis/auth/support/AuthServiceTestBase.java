package dev.portcullis.auth.support;

import dev.portcullis.testsupport.MutableClock;
import com.nimbusds.jose.jwk.JWK;
import dev.portcullis.auth.keys.KeyManager;
import dev.portcullis.auth.mfa.TotpCodes;
import dev.portcullis.auth.user.UserBootstrap;
import dev.portcullis.testsupport.TestClients;
import dev.portcullis.testsupport.TestRedis;
import dev.portcullis.testsupport.TokenFactory;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseCookie;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The shared context of the HTTP tests: the real service on a random port, a real Redis (emptied and re-seeded with
 * the bootstrap users before each test), keys generated into a temp dir, and a {@link MutableClock} set to a fixed
 * instant before each test.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("test")
@Import(AuthServiceTestBase.ClockConfig.class)
public abstract class AuthServiceTestBase {

    /** A fixed, whole-second instant the clock returns to before each test. */
    public static final Instant T0 = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);

    private static final Path KEYS_DIR = tempDir();
    private static RedisClient redisClient;
    private static StatefulRedisConnection<String, String> redisConnection;

    @LocalServerPort
    protected int port;
    @Autowired
    protected MutableClock clock;
    @Autowired
    protected KeyManager keyManager;
    @Autowired
    private UserBootstrap bootstrap;

    protected WebTestClient client;
    protected RedisCommands<String, String> redis;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        // REDIS_URL (read by application.yml), not portcullis.auth.redis.url: a test class with a Redis of its own
        // registers the latter, and the first registration of a name wins.
        registry.add("REDIS_URL", TestRedis::url);
        registry.add("portcullis.auth.keys.dir", KEYS_DIR::toString);
    }

    @BeforeEach
    void resetState() {
        TestRedis.flushAll();
        clock.set(T0);
        bootstrap.seed().block(Duration.ofSeconds(10));
        client = TestClients.localhost(port).build();
        if (redisConnection == null) {
            redisClient = RedisClient.create(TestRedis.url());
            redisConnection = redisClient.connect();
        }
        redis = redisConnection.sync();
    }

    @AfterAll
    static void closeRedis() {
        if (redisConnection != null) {
            redisConnection.close();
            redisClient.shutdown();
            redisConnection = null;
        }
    }

    /** Tokens signed with the service's current key: for boundary cases the service itself would never issue. */
    protected TokenFactory tokens() {
        JWK key = keyManager.signingKey();
        return new TokenFactory(key, "http://localhost:8080", "portcullis", clock);
    }

    protected Session login(String username, String password) {
        return login(username, password, "10.0.0.1");
    }

    protected Session login(String username, String password, String clientIp) {
        EntityExchangeResult<Map<String, Object>> result = client.post().uri("/auth/login")
                .contentType(MediaType.APPLICATION_JSON)
                .header("X-Forwarded-For", clientIp)
                .bodyValue(Map.of("username", username, "password", password))
                .exchange()
                .expectStatus().isOk()
                .expectBody(new org.springframework.core.ParameterizedTypeReference<Map<String, Object>>() { })
                .returnResult();
        ResponseCookie cookie = result.getResponseCookies().getFirst("refresh_token");
        return new Session((String) result.getResponseBody().get("access_token"), cookie == null ? null : cookie.getValue());
    }

    /** Login of a non-browser client: the refresh token comes in the body. */
    protected Session loginForBody(String username, String password) {
        Map<String, Object> body = client.post().uri("/auth/login")
                .contentType(MediaType.APPLICATION_JSON)
                .header("X-Forwarded-For", "10.0.0.2")
                .bodyValue(Map.of("username", username, "password", password, "refresh_token_in_body", true))
                .exchange()
                .expectStatus().isOk()
                .expectHeader().doesNotExist(HttpHeaders.SET_COOKIE)
                .expectBody(new org.springframework.core.ParameterizedTypeReference<Map<String, Object>>() { })
                .returnResult().getResponseBody();
        return new Session((String) body.get("access_token"), (String) body.get("refresh_token"));
    }

    /**
     * A first TOTP enrolment for the session's user and a verified current code: an access token with {@code mfa} in
     * {@code amr}. Returns the token and the enrolled secret (base32).
     */
    protected SteppedUp stepUp(Session session) {
        String secret = (String) client.post().uri("/auth/mfa/enroll")
                .header(HttpHeaders.AUTHORIZATION, bearer(session.accessToken()))
                .exchange().expectStatus().isCreated()
                .expectBody(Map.class).returnResult().getResponseBody().get("secret");
        String token = (String) client.post().uri("/auth/mfa/verify")
                .header(HttpHeaders.AUTHORIZATION, bearer(session.accessToken()))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("code", TotpCodes.now(secret, clock)))
                .exchange().expectStatus().isOk()
                .expectBody(Map.class).returnResult().getResponseBody().get("access_token");
        return new SteppedUp(token, secret);
    }

    protected static String bearer(String token) {
        return "Bearer " + token;
    }

    /** An access token with {@code mfa} in {@code amr}, and the TOTP secret (base32) behind it. */
    public record SteppedUp(String accessToken, String secret) {
        @Override
        public String toString() {
            return "SteppedUp[***]";
        }
    }

    /** An access token and the refresh token that came with it. */
    public record Session(String accessToken, String refreshToken) {
    }

    @TestConfiguration(proxyBeanMethods = false)
    static class ClockConfig {
        @Bean
        @Primary
        MutableClock mutableClock() {
            return new MutableClock(T0);
        }
    }

    private static Path tempDir() {
        try {
            Path dir = Files.createTempDirectory("auth-keys");
            dir.toFile().deleteOnExit();
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
