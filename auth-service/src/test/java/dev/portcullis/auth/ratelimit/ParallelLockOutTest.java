package dev.portcullis.auth.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.auth.mfa.TotpCodes;
import dev.portcullis.auth.support.AuthServiceTestBase;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Thirty wrong guesses sent at once, for each kind of secret: the lock-out (5 failures) admits exactly five of them to
 * a judgement (401) and answers the other 25 with 429, {@code Retry-After} and a problem document, without spending a
 * BCrypt check or a TOTP computation on them. A check-then-count lock-out lets most of the thirty through.
 */
class ParallelLockOutTest extends AuthServiceTestBase {

    private static final int GUESSES = 30;
    private static final int THRESHOLD = 5;
    private static final String ATTACKER = "203.0.113.77";
    private static final String BASIC_ORDER_SERVICE_WRONG = basic("order-service", "not-the-secret");

    @Autowired
    private MeterRegistry meters;

    private ConnectionProvider connections;
    private WebClient web;

    @BeforeEach
    void parallelClient() {
        // one connection per guess, so that all thirty are in flight together
        connections = ConnectionProvider.builder("parallel-guesses").maxConnections(GUESSES * 2).build();
        web = WebClient.builder().baseUrl("http://localhost:" + port)
                .clientConnector(new ReactorClientHttpConnector(HttpClient.create(connections))).build();
    }

    @AfterEach
    void closeClient() {
        connections.dispose();
    }

    @ParameterizedTest(name = "username {0}")
    @ValueSource(strings = {"alice", "nobody-here"})
    void thirtyParallelWrongPasswordsGetExactlyFiveJudgementsKnownUserOrNot(String username) {
        double checksBefore = passwordChecks();

        List<Answer> answers = inParallel(() -> web.post().uri("/auth/login").contentType(MediaType.APPLICATION_JSON)
                .header("X-Forwarded-For", ATTACKER)
                .bodyValue(Map.of("username", username, "password", "wrong-guess")));

        assertExactlyFiveJudgedAndTheRestLockedOut(answers);
        assertThat(passwordChecks() - checksBefore).isEqualTo(THRESHOLD);
        assertThat(redis.hget(AttemptLimiter.key("login-account", username + "|" + ATTACKER), "fails"))
                .isEqualTo(Integer.toString(THRESHOLD));
        // the owner's right password is locked out too from the attacking address, and costs no BCrypt check either
        client.post().uri("/auth/login").contentType(MediaType.APPLICATION_JSON).header("X-Forwarded-For", ATTACKER)
                .bodyValue(Map.of("username", username, "password", "alice-password")).exchange()
                .expectStatus().isEqualTo(429);
        assertThat(passwordChecks() - checksBefore).isEqualTo(THRESHOLD);
    }

    @Test
    void thirtyParallelWrongTotpCodesGetExactlyFiveJudgements() {
        Session session = login("bob", "bob-password");
        String secret = (String) client.post().uri("/auth/mfa/enroll")
                .header(HttpHeaders.AUTHORIZATION, bearer(session.accessToken())).exchange()
                .expectStatus().isCreated().expectBody(Map.class).returnResult().getResponseBody().get("secret");
        String good = TotpCodes.now(secret, clock);
        String bad = good.equals("000000") ? "111111" : "000000";
        double judgedBefore = mfaOutcome("invalid_code");
        double lockedBefore = mfaOutcome("rate_limited");

        List<Answer> answers = inParallel(() -> web.post().uri("/auth/mfa/verify")
                .header(HttpHeaders.AUTHORIZATION, bearer(session.accessToken()))
                .header("X-Forwarded-For", ATTACKER)
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("code", bad)));

        assertExactlyFiveJudgedAndTheRestLockedOut(answers);
        assertThat(mfaOutcome("invalid_code") - judgedBefore).isEqualTo(THRESHOLD);
        assertThat(mfaOutcome("rate_limited") - lockedBefore).isEqualTo(GUESSES - THRESHOLD);
        assertThat(redis.hget(AttemptLimiter.key("mfa", "u-bob"), "fails")).isEqualTo(Integer.toString(THRESHOLD));
        // the right code is not judged during the lock-out either
        client.post().uri("/auth/mfa/verify").header(HttpHeaders.AUTHORIZATION, bearer(session.accessToken()))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("code", good)).exchange()
                .expectStatus().isEqualTo(429);
        assertThat(redis.hget("auth:mfa:{u-bob}", "last_step")).isNull();
    }

    @Test
    void thirtyParallelWrongClientSecretsGetExactlyFiveJudgements() {
        double checksBefore = passwordChecks();

        List<Answer> answers = inParallel(() -> web.post().uri("/oauth2/token")
                .header(HttpHeaders.AUTHORIZATION, BASIC_ORDER_SERVICE_WRONG)
                .header("X-Forwarded-For", ATTACKER)
                .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .body(BodyInserters.fromFormData("grant_type", "client_credentials")));

        assertExactlyFiveJudgedAndTheRestLockedOut(answers);
        assertThat(answers).filteredOn(a -> a.status() == 401)
                .allSatisfy(a -> assertThat(a.body()).contains("\"error\":\"invalid_client\""));
        assertThat(passwordChecks() - checksBefore).isEqualTo(THRESHOLD);
        // the service itself, from its own address, is not locked out by the attacker
        client.post().uri("/oauth2/token").header(HttpHeaders.AUTHORIZATION, basic("order-service", "order-service-secret"))
                .header("X-Forwarded-For", "10.1.2.3").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .body(BodyInserters.fromFormData("grant_type", "client_credentials")).exchange()
                .expectStatus().isOk();
    }

    @Test
    void aGoodClientSecretClearsTheFailuresAsAGoodPasswordDoes() {
        for (int i = 0; i < THRESHOLD - 1; i++) {
            token(BASIC_ORDER_SERVICE_WRONG).expectStatus().isUnauthorized();
        }
        token(basic("order-service", "order-service-secret")).expectStatus().isOk();
        assertThat(redis.exists(AttemptLimiter.key("client", "order-service|" + ATTACKER))).isZero();
        for (int i = 0; i < THRESHOLD; i++) {
            token(BASIC_ORDER_SERVICE_WRONG).expectStatus().isUnauthorized();
        }
        token(basic("order-service", "order-service-secret")).expectStatus().isEqualTo(429)
                .expectHeader().valueEquals(HttpHeaders.RETRY_AFTER, "30");
        clock.advance(Duration.ofSeconds(31));
        token(basic("order-service", "order-service-secret")).expectStatus().isOk();
    }

    private org.springframework.test.web.reactive.server.WebTestClient.ResponseSpec token(String authorization) {
        return client.post().uri("/oauth2/token").header(HttpHeaders.AUTHORIZATION, authorization)
                .header("X-Forwarded-For", ATTACKER).contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .body(BodyInserters.fromFormData("grant_type", "client_credentials")).exchange();
    }

    private static void assertExactlyFiveJudgedAndTheRestLockedOut(List<Answer> answers) {
        Map<Integer, Long> byStatus = answers.stream().collect(Collectors.groupingBy(Answer::status, Collectors.counting()));
        assertThat(byStatus).as("statuses of %d parallel wrong guesses", GUESSES)
                .containsOnly(Map.entry(401, (long) THRESHOLD), Map.entry(429, (long) (GUESSES - THRESHOLD)));
        assertThat(answers).filteredOn(a -> a.status() == 429).allSatisfy(a -> {
            assertThat(a.retryAfter()).isNotNull().matches("[1-9][0-9]*");
            assertThat(a.contentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
            assertThat(a.body()).contains("urn:portcullis:problem:rate-limited");
        });
    }

    /** Sends {@link #GUESSES} copies of a request at once and collects their answers. */
    private List<Answer> inParallel(java.util.function.Supplier<WebClient.RequestHeadersSpec<?>> request) {
        return Flux.range(0, GUESSES)
                .flatMap(i -> request.get().exchangeToMono(response -> response.bodyToMono(String.class)
                        .defaultIfEmpty("")
                        .map(body -> new Answer(response.statusCode().value(),
                                response.headers().asHttpHeaders().getFirst(HttpHeaders.RETRY_AFTER),
                                String.valueOf(response.headers().contentType().map(MediaType::toString).orElse(null)),
                                body))), GUESSES)
                .collectList()
                .block(Duration.ofSeconds(60));
    }

    private double passwordChecks() {
        return meters.get("portcullis.auth.password.checks").counter().count();
    }

    private double mfaOutcome(String outcome) {
        Counter counter = meters.find("portcullis.auth.mfa.verifications").tag("outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }

    private static String basic(String id, String secret) {
        return "Basic " + Base64.getEncoder().encodeToString((id + ":" + secret).getBytes(StandardCharsets.UTF_8));
    }

    private record Answer(int status, String retryAfter, String contentType, String body) {
    }
}
