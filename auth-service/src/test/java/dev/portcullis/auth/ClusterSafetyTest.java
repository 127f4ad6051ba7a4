package dev.portcullis.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.auth.mfa.TotpCodes;
import dev.portcullis.auth.refresh.RefreshTokenStore;
import dev.portcullis.contract.RevocationKeys;
import dev.portcullis.testsupport.TestClients;
import dev.portcullis.testsupport.TestRedisCluster;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseCookie;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The whole service against a real three-master Redis Cluster: every Lua script (refresh rotation, reuse, race,
 * limits, MFA) touches keys of one slot only, or Redis would answer CROSSSLOT and these requests would fail.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("test")
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class ClusterSafetyTest {

    private static final TestRedisCluster CLUSTER = TestRedisCluster.start(3);
    private static RedisClusterClient clusterClient;
    private static StatefulRedisClusterConnection<String, String> connection;

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws IOException {
        registry.add("portcullis.auth.redis.url", CLUSTER::urls);
        registry.add("portcullis.auth.keys.dir", Files.createTempDirectory("auth-cluster-keys")::toString);
    }

    @BeforeAll
    static void connect() {
        clusterClient = RedisClusterClient.create(Arrays.stream(CLUSTER.urls().split(",")).map(RedisURI::create).toList());
        connection = clusterClient.connect();
    }

    @AfterAll
    static void disconnect() {
        connection.close();
        clusterClient.shutdown();
    }

    private WebTestClient client() {
        return TestClients.localhost(port).build();
    }

    @Test
    void refreshRotationReuseDetectionAndTheRaceWorkOnACluster() {
        RedisAdvancedClusterCommands<String, String> redis = connection.sync();
        String refresh = (String) login("alice", "alice-password", true).get("refresh_token");
        String family = refresh.substring(0, 22);

        WebClient web = WebClient.create("http://localhost:" + port);
        Mono<Integer> call = web.post().uri("/auth/refresh").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("refresh_token", refresh))
                .exchangeToMono(r -> r.releaseBody().thenReturn(r.statusCode().value()));
        List<Integer> statuses = Flux.merge(call, call, call).collectList().block(Duration.ofSeconds(20));
        assertThat(statuses).containsOnlyOnce(200).filteredOn(s -> s != 200).containsOnly(409);
        assertThat(redis.exists(RefreshTokenStore.familyKey("u-alice", family))).isOne();

        // a later replay (after the 2 s grace, with the real clock) would revoke; here the spent token is simply dead
        // or in grace: either way never 200
        client().post().uri("/auth/refresh").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("refresh_token", refresh)).exchange()
                .expectStatus().value(s -> assertThat(s).isIn(401, 409));
    }

    @Test
    void cookieLoginLogoutAndRevokeAllWriteTheirKeysOnACluster() {
        RedisAdvancedClusterCommands<String, String> redis = connection.sync();
        var result = client().post().uri("/auth/login").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("username", "bob", "password", "bob-password"))
                .exchange().expectStatus().isOk().expectBody(Map.class).returnResult();
        String access = (String) result.getResponseBody().get("access_token");
        ResponseCookie cookie = result.getResponseCookies().getFirst("refresh_token");
        client().post().uri("/auth/logout").header(HttpHeaders.AUTHORIZATION, "Bearer " + access)
                .cookie("refresh_token", cookie.getValue()).exchange().expectStatus().isNoContent();
        assertThat(redis.keys(RevocationKeys.JTI_PREFIX + "*")).isNotEmpty();
        assertThat(redis.exists(RefreshTokenStore.familyKey("u-bob", cookie.getValue().substring(0, 22)))).isZero();

        String second = (String) login("bob", "bob-password", false).get("access_token");
        client().post().uri("/auth/revoke-all").header(HttpHeaders.AUTHORIZATION, "Bearer " + second)
                .exchange().expectStatus().isOk();
        assertThat(redis.get(RevocationKeys.subjectKey("u-bob"))).matches("\\d{13}");
        client().get().uri("/auth/me").header(HttpHeaders.AUTHORIZATION, "Bearer " + second)
                .exchange().expectStatus().isUnauthorized();
    }

    @Test
    void loginLockOutAndMfaScriptsWorkOnACluster() {
        for (int i = 0; i < 5; i++) {
            client().post().uri("/auth/login").contentType(MediaType.APPLICATION_JSON)
                    .header("X-Forwarded-For", "203.0.113.9")
                    .bodyValue(Map.of("username", "admin", "password", "wrong")).exchange()
                    .expectStatus().isUnauthorized();
        }
        client().post().uri("/auth/login").contentType(MediaType.APPLICATION_JSON)
                .header("X-Forwarded-For", "203.0.113.9")
                .bodyValue(Map.of("username", "admin", "password", "admin-password")).exchange()
                .expectStatus().isEqualTo(429).expectHeader().exists(HttpHeaders.RETRY_AFTER);

        String access = (String) login("admin", "admin-password", false).get("access_token");
        Map<?, ?> enrolled = client().post().uri("/auth/mfa/enroll").header(HttpHeaders.AUTHORIZATION, "Bearer " + access)
                .exchange().expectStatus().isCreated().expectBody(Map.class).returnResult().getResponseBody();
        client().post().uri("/auth/mfa/verify").header(HttpHeaders.AUTHORIZATION, "Bearer " + access)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("code", TotpCodes.now((String) enrolled.get("secret"), Clock.systemUTC())))
                .exchange().expectStatus().isOk();
    }

    @Test
    void lockOutsStayAtomicOnAClusterForPasswordsAndClientSecrets() {
        WebClient web = WebClient.create("http://localhost:" + port);
        Mono<Integer> wrongPassword = web.post().uri("/auth/login").contentType(MediaType.APPLICATION_JSON)
                .header("X-Forwarded-For", "203.0.113.21")
                .bodyValue(Map.of("username", "bob", "password", "wrong"))
                .exchangeToMono(r -> r.releaseBody().thenReturn(r.statusCode().value()));
        Mono<Integer> wrongSecret = web.post().uri("/oauth2/token").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .header("X-Forwarded-For", "203.0.113.21")
                .header(HttpHeaders.AUTHORIZATION, "Basic " + java.util.Base64.getEncoder()
                        .encodeToString("order-service:wrong".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .bodyValue("grant_type=client_credentials")
                .exchangeToMono(r -> r.releaseBody().thenReturn(r.statusCode().value()));
        for (Mono<Integer> guess : List.of(wrongPassword, wrongSecret)) {
            List<Integer> statuses = Flux.range(0, 12).flatMap(i -> guess, 12).collectList().block(Duration.ofSeconds(30));
            assertThat(statuses).filteredOn(s -> s == 401).hasSize(5);
            assertThat(statuses).filteredOn(s -> s == 429).hasSize(7);
        }
        assertThat(connection.sync().hget("auth:limit:{client:order-service|203.0.113.21}", "fails")).isEqualTo("5");
    }

    @Test
    void reEnrolmentKeepsTheActiveSecretUntilTheNewOneIsVerifiedOnACluster() {
        RedisAdvancedClusterCommands<String, String> redis = connection.sync();
        String access = (String) login("alice", "alice-password", false).get("access_token");
        String first = (String) client().post().uri("/auth/mfa/enroll").header(HttpHeaders.AUTHORIZATION, "Bearer " + access)
                .exchange().expectStatus().isCreated().expectBody(Map.class).returnResult().getResponseBody().get("secret");
        Clock now = Clock.systemUTC();
        String stepped = (String) client().post().uri("/auth/mfa/verify").header(HttpHeaders.AUTHORIZATION, "Bearer " + access)
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("code", TotpCodes.now(first, now)))
                .exchange().expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody().get("access_token");
        // the next step's code (accepted within the ±1 window, and newer than the one just spent)
        Clock next = Clock.offset(now, Duration.ofSeconds(30));
        client().post().uri("/auth/mfa/enroll").header(HttpHeaders.AUTHORIZATION, "Bearer " + stepped)
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("code", TotpCodes.now(first, next)))
                .exchange().expectStatus().isCreated();
        assertThat(redis.hget("auth:mfa:{u-alice}", "status")).isEqualTo("active");
        assertThat(redis.hexists("auth:mfa:{u-alice}", "next")).isTrue();
    }

    private Map<?, ?> login(String username, String password, boolean inBody) {
        return client().post().uri("/auth/login").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("username", username, "password", password, "refresh_token_in_body", inBody))
                .exchange().expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();
    }
}
