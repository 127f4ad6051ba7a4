package dev.portcullis.gateway.explain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.contract.RevocationMessage;
import dev.portcullis.contract.TokenClaims;
import dev.portcullis.gateway.revocation.RevocationFeed;
import dev.portcullis.gateway.support.GatewayIntegrationTest;
import dev.portcullis.testsupport.TestRevocations;
import dev.portcullis.testsupport.TokenFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /actuator/portcullis/explain} on the management port: for each reason the edge refuses a request with,
 * the explanation names that reason at the failing check, and the public port answers the very same request with the
 * same status, reason, detail and challenge. It spends no quota, echoes no token and is not on the public port.
 */
class ExplainIntegrationTest extends GatewayIntegrationTest {

    private static final String EXPLAIN = "/actuator/portcullis/explain";
    private static final JsonMapper json = JsonMapper.builder().build();

    @Autowired
    RevocationFeed view;

    /** A request to explain, its token minted at run time (the test clock is set per test). */
    record Case(String reason, String failedCheck, HttpMethod method, String path, Function<TokenFactory, String> token) {
        @Override
        public String toString() {
            return reason + " (" + method + " " + path + ")";
        }
    }

    static Stream<Arguments> refusals() {
        Instant now = Instant.now();
        return Stream.of(
                new Case("missing", "bearer", HttpMethod.GET, "/api/users/me", tokens -> null),
                new Case("malformed", "parse", HttpMethod.GET, "/api/users/me", tokens -> "not-a-jwt"),
                new Case("too_large", "size", HttpMethod.GET, "/api/users/me", tokens -> "a".repeat(9000)),
                new Case("disallowed_algorithm", "algorithm", HttpMethod.GET, "/api/users/me",
                        tokens -> tokens.forUser("u-alg").hmacWithPublicKey()),
                new Case("disallowed_algorithm", "algorithm", HttpMethod.GET, "/api/users/me",
                        tokens -> tokens.forUser("u-none").unsigned()),
                new Case("wrong_type", "typ", HttpMethod.GET, "/api/users/me", tokens -> tokens.forUser("u-typ").type("JWT").sign()),
                new Case("unknown_key", "key", HttpMethod.GET, "/api/users/me",
                        tokens -> tokens.forUser("u-kid").keyId("not-a-published-kid").sign()),
                new Case("bad_signature", "signature", HttpMethod.GET, "/api/users/me", tokens -> {
                    TokenFactory.Token token = tokens.forUser("u-sig");
                    Map<String, Object> claims = new LinkedHashMap<>(token.claimsSet().toJSONObject());
                    claims.put(TokenClaims.ROLE, "admin");
                    return TokenFactory.tamperPayload(token.sign(), claims);
                }),
                new Case("expired", "timestamps", HttpMethod.GET, "/api/users/me", tokens -> tokens.forUser("u-exp")
                        .issuedAt(now.minusSeconds(1200)).notBefore(now.minusSeconds(1200)).expiresAt(now.minusSeconds(300)).sign()),
                new Case("not_yet_valid", "timestamps", HttpMethod.GET, "/api/users/me",
                        tokens -> tokens.forUser("u-nbf").notBefore(now.plusSeconds(600)).sign()),
                new Case("lifetime_too_long", "lifetime", HttpMethod.GET, "/api/users/me",
                        tokens -> tokens.forUser("u-long").expiresAt(now.plus(Duration.ofHours(2))).sign()),
                new Case("unknown_issuer", "issuer", HttpMethod.GET, "/api/users/me",
                        tokens -> tokens.forUser("u-iss").issuer("https://issuer.example.org").sign()),
                new Case("wrong_audience", "audience", HttpMethod.GET, "/api/users/me",
                        tokens -> tokens.forUser("u-aud").audience("another-service").sign()),
                new Case("missing_claim", "required_claims", HttpMethod.GET, "/api/users/me",
                        tokens -> tokens.forUser("u-noexp").without(TokenClaims.EXPIRES_AT).sign()),
                new Case("unsafe_claim", "identity_claims", HttpMethod.GET, "/api/users/me",
                        tokens -> tokens.forUser("u-unsafe").role("user\r\nx-user-role: admin").sign()),
                new Case("insufficient_permissions", "policy", HttpMethod.GET, "/api/orders/o-1",
                        tokens -> tokens.forUser("u-perm").sign()),
                new Case("mfa_required", "policy", HttpMethod.POST, "/api/orders/o-1/cancel",
                        tokens -> tokens.forUser("u-mfa").permissions("orders:write").sign()),
                new Case("method_not_allowed", "method", HttpMethod.DELETE, "/it/webdav/a.txt",
                        tokens -> tokens.forUser("u-method").sign()),
                new Case("no_route", "route", HttpMethod.GET, "/nowhere/at/all", tokens -> tokens.forUser("u-route").sign())
        ).map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void explainsEachRefusalByItsReasonAndThePublicPortAnswersTheSame(Case refusal) {
        String token = refusal.token().apply(tokens);

        JsonNode explanation = explain(refusal.method(), refusal.path(), token);
        JsonNode decision = explanation.get("decision");
        List<JsonNode> checks = checks(explanation);
        JsonNode failed = checks.getLast();
        assertThat(failed.get("outcome").asString()).isEqualTo("fail");
        assertThat(failed.get("check").asString()).isEqualTo(refusal.failedCheck());
        assertThat(failed.get("reason").asString()).isEqualTo(refusal.reason());
        assertThat(checks.subList(0, checks.size() - 1)).allSatisfy(check ->
                assertThat(check.get("outcome").asString()).isIn("pass", "skip"));
        assertThat(decision.get("outcome").asString()).isEqualTo("refuse");
        assertThat(decision.get("reason").asString()).isEqualTo(refusal.reason());

        WebTestClient.RequestHeadersSpec<?> publicRequest = client.method(refusal.method()).uri(refusal.path());
        if (token != null) {
            publicRequest = publicRequest.header(HttpHeaders.AUTHORIZATION, "Bearer " + token);
        }
        EntityExchangeResult<byte[]> answer = publicRequest.exchange().expectBody().returnResult();
        JsonNode problem = json.readTree(answer.getResponseBody());
        assertThat(answer.getStatus().value()).isEqualTo(decision.get("status").asInt());
        assertThat(problem.get("reason").asString()).isEqualTo(refusal.reason());
        JsonNode predicted = decision.get("problem");
        for (String member : List.of("type", "title", "status", "detail", "reason")) {
            assertThat(problem.get(member)).as(member).isEqualTo(predicted.get(member));
        }
        assertThat(answer.getResponseHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE))
                .isEqualTo(textOrNull(decision.get("headers").get(HttpHeaders.WWW_AUTHENTICATE)));
    }

    @Test
    void explainsAnAcceptedRequestCheckByCheckAndTheUpstreamGetsIt() {
        String token = tokens.forUser("u-ok").permissions("orders:read").sign();

        JsonNode explanation = explain(HttpMethod.GET, "/api/orders/o-1", token);

        assertThat(explanation.get("route").asString()).isEqualTo("orders");
        assertThat(explanation.get("decision").get("outcome").asString()).isEqualTo("allow");
        assertThat(checks(explanation)).extracting(check -> check.get("check").asString()).containsSubsequence(
                "path", "route", "method", "rule", "bearer", "size", "parse", "issuer", "algorithm", "typ", "key",
                "signature", "required_claims", "audience", "timestamps", "lifetime", "identity_claims", "route_issuers",
                "revocation", "policy", "rate_limit");
        JsonNode timestamps = check(explanation, "timestamps");
        assertThat(timestamps.get("facts").get("clock_skew_seconds").asLong()).isEqualTo(30);
        JsonNode policy = check(explanation, "policy");
        assertThat(policy.get("facts").get("permissions").get(0).asString()).isEqualTo("orders:read");
        assertThat(policy.get("facts").get("missing_permissions")).isEmpty();
        upstream.verify(0, com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor(
                com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo("/orders/o-1")));

        getWithToken("/api/orders/o-1", token).exchange().expectStatus().isOk();
        upstream.verify(1, com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(
                com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo("/orders/o-1")));
    }

    @Test
    void namesTheMissingPermissionAndNotTheTokensOthers() {
        String token = tokens.forUser("u-perms").permissions("orders:read", "users:admin").sign();

        JsonNode explanation = explain(HttpMethod.POST, "/api/orders", token);

        JsonNode policy = check(explanation, "policy");
        assertThat(policy.get("reason").asString()).isEqualTo("insufficient_permissions");
        assertThat(policy.get("facts").get("missing_permissions").get(0).asString()).isEqualTo("orders:write");
        assertThat(explanation.toString()).doesNotContain("users:admin").doesNotContain("orders:read");
    }

    @Test
    void explainsARevokedTokenAtTheRevocationCheck() throws Exception {
        await().atMost(Duration.ofSeconds(10)).until(view::isLive);
        String token = tokens.forUser("u-logout").sign();
        SignedJWT jwt = SignedJWT.parse(token);
        write(new RevocationMessage.TokenRevoked(jwt.getJWTClaimsSet().getJWTID(),
                jwt.getJWTClaimsSet().getExpirationTime().getTime()));

        // the one-second promise is RevocationIntegrationTest's; here the explanation, which may take longer to build
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
            JsonNode revocation = check(explain(HttpMethod.GET, "/api/users/me", token), "revocation");
            assertThat(revocation.get("reason").asString()).isEqualTo("revoked");
            assertThat(revocation.get("facts").get("token_revoked").asBoolean()).isTrue();
        });
        getWithToken("/api/users/me", token).exchange().expectStatus().isUnauthorized()
                .expectBody().jsonPath("$.reason").isEqualTo("revoked")
                .jsonPath("$.detail").isEqualTo("The access token has been revoked");
    }

    @Test
    void explainsARevokeAllWithTheInstantItHappened() {
        await().atMost(Duration.ofSeconds(10)).until(view::isLive);
        Instant now = testClock.instant();
        String token = tokens.forUser("u-everywhere").issuedAt(now.minusSeconds(60)).notBefore(now.minusSeconds(60)).sign();
        long revokedAt = now.toEpochMilli();
        write(new RevocationMessage.SubjectRevoked("u-everywhere", revokedAt));

        // the one-second promise is RevocationIntegrationTest's; here the explanation, which may take longer to build
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
            JsonNode explanation = explain(HttpMethod.GET, "/api/users/me", token);
            JsonNode revocation = check(explanation, "revocation");
            assertThat(revocation.get("reason").asString()).isEqualTo("revoked");
            assertThat(revocation.get("detail").asString()).isEqualTo("The access token was revoked by a sign-out of all sessions");
            assertThat(revocation.get("facts").get("subject_revoked_at").asString())
                    .isEqualTo(Instant.ofEpochMilli(revokedAt).toString());
            assertThat(revocation.get("facts").get("issued_before_revoke_all").asBoolean()).isTrue();
        });
        getWithToken("/api/users/me", token).exchange().expectStatus().isUnauthorized()
                .expectBody().jsonPath("$.reason").isEqualTo("revoked");
    }

    @Test
    void readsTheRateLimitBucketWithoutSpendingFromIt() {
        String token = tokens.forUser("u-counted").sign();
        String bucket = "portcullis:rl:{it-limited:u:u-counted}";
        getWithToken("/it/limited/a", token).exchange().expectStatus().isOk();
        String before = redis().get(bucket);
        assertThat(before).as("the public request spent from the bucket").isNotNull();

        for (int i = 0; i < 5; i++) {
            JsonNode rateLimit = check(explain(HttpMethod.GET, "/it/limited/a", token), "rate_limit");
            assertThat(rateLimit.get("outcome").asString()).isEqualTo("pass");
            assertThat(rateLimit.get("facts").get("shared_remaining").asLong()).isEqualTo(2);
            assertThat(rateLimit.get("facts").get("quota_spent_by_explain").asInt()).isZero();
        }

        assertThat(redis().get(bucket)).as("the bucket's state is untouched").isEqualTo(before);
        getWithToken("/it/limited/a", token).exchange().expectStatus().isOk();
        getWithToken("/it/limited/a", token).exchange().expectStatus().isOk();
        getWithToken("/it/limited/a", token).exchange().expectStatus().isEqualTo(429);

        JsonNode explanation = explain(HttpMethod.GET, "/it/limited/a", token);
        assertThat(check(explanation, "rate_limit").get("reason").asString()).isEqualTo("rate_limited");
        JsonNode decision = explanation.get("decision");
        assertThat(decision.get("status").asInt()).isEqualTo(429);
        assertThat(decision.get("headers").get(HttpHeaders.RETRY_AFTER).asLong()).isPositive();
        getWithToken("/it/limited/a", token).exchange().expectStatus().isEqualTo(429)
                .expectBody().jsonPath("$.reason").isEqualTo("rate_limited")
                .jsonPath("$.detail").isEqualTo(decision.get("problem").get("detail").asString());
    }

    @Test
    void spendsNoFailureBudgetOnAForgedToken() {
        TokenFactory.Token forged = tokens.forUser("u-forger");
        Map<String, Object> claims = new LinkedHashMap<>(forged.claimsSet().toJSONObject());
        claims.put(TokenClaims.ROLE, "admin");
        String token = TokenFactory.tamperPayload(forged.sign(), claims);

        double before = budgetUnitsTaken();
        for (int i = 0; i < 3; i++) {
            assertThat(explain(HttpMethod.GET, "/api/users/me", token).get("decision").get("reason").asString())
                    .isEqualTo("bad_signature");
        }
        assertThat(budgetUnitsTaken() - before).as("explaining takes nothing from any budget").isZero();

        getWithToken("/api/users/me", token).exchange().expectStatus().isUnauthorized();
        assertThat(budgetUnitsTaken() - before).as("the public port takes a unit of the client's budget").isEqualTo(1);
    }

    private double budgetUnitsTaken() {
        return metric("portcullis_jwt_failure_budget_total");
    }

    @Test
    void neverCachesTheTokenItExplains() {
        String token = tokens.forUser("u-uncached").sign();
        double before = metric("portcullis_jwt_signature_checks_total", "outcome=\"valid\"");

        explain(HttpMethod.GET, "/api/users/me", token);
        explain(HttpMethod.GET, "/api/users/me", token);
        assertThat(metric("portcullis_jwt_signature_checks_total", "outcome=\"valid\"") - before)
                .as("each explanation checks the signature again").isEqualTo(2);

        getWithToken("/api/users/me", token).exchange().expectStatus().isOk();
        getWithToken("/api/users/me", token).exchange().expectStatus().isOk();
        assertThat(metric("portcullis_jwt_signature_checks_total", "outcome=\"valid\"") - before)
                .as("the public port checked it once, then answered from its cache").isEqualTo(3);
    }

    @Test
    void neverEchoesTheTokenOrItsIdentityInTheAnswerOrTheLog() throws Exception {
        String token = tokens.forUser("u-3f9c2a71-private").permissions("orders:read").sign();
        String jti = SignedJWT.parse(token).getJWTClaimsSet().getJWTID();
        String signature = token.substring(token.lastIndexOf('.') + 1);
        String payload = token.split("\\.")[1];
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.start();
        root.addAppender(captured);
        String answer;
        try {
            answer = explain(HttpMethod.GET, "/api/orders/o-1", token).toString()
                    + explain(HttpMethod.POST, "/api/orders/o-1/cancel", token).toString()
                    + explain(HttpMethod.GET, "/api/users/me", token.substring(0, token.length() - 4) + "AAAA").toString();
        } finally {
            root.detachAppender(captured);
        }

        for (String secret : List.of(token, signature, payload, jti, "u-3f9c2a71-private")) {
            assertThat(answer).doesNotContain(secret);
            assertThat(captured.list).extracting(ILoggingEvent::getFormattedMessage)
                    .allSatisfy(line -> assertThat(line).doesNotContain(secret));
        }
        assertThat(captured.list).extracting(ILoggingEvent::getFormattedMessage)
                .anySatisfy(line -> assertThat(line).contains("event=explain route=orders decision=allow"));
    }

    @Test
    void isNotReachableOnThePublicPort() {
        client.post().uri(EXPLAIN).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("method", "GET", "path", "/api/users/me"))
                .exchange().expectStatus().isNotFound()
                .expectBody().jsonPath("$.reason").isEqualTo("no_route");
        management().post().uri(EXPLAIN).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("method", "GET", "path", "/api/users/me"))
                .exchange().expectStatus().isOk();
    }

    @Test
    void refusesARequestItCannotExplainWithAProblem() {
        management().post().uri(EXPLAIN).contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("path", "/api/users/me"))
                .exchange().expectStatus().isBadRequest()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.detail").isEqualTo("'method' must be an upper-case HTTP method such as GET or POST");
        management().post().uri(EXPLAIN).contentType(MediaType.APPLICATION_JSON).bodyValue("{not json")
                .exchange().expectStatus().isBadRequest()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON);
        management().post().uri(EXPLAIN).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("method", "GET", "path", "no-slash"))
                .exchange().expectStatus().isBadRequest();
    }

    /** The explanation of a request; token null explains one without a token. */
    private JsonNode explain(HttpMethod method, String path, String token) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("method", method.name());
        body.put("path", path);
        if (token != null) {
            body.put("token", token);
        }
        byte[] answer = management().post().uri(EXPLAIN).contentType(MediaType.APPLICATION_JSON).bodyValue(body)
                .exchange().expectStatus().isOk()
                .expectHeader().contentType(MediaType.APPLICATION_JSON)
                .expectBody().returnResult().getResponseBody();
        return json.readTree(answer);
    }

    private static List<JsonNode> checks(JsonNode explanation) {
        List<JsonNode> checks = new ArrayList<>();
        explanation.get("checks").forEach(checks::add);
        return checks;
    }

    private static JsonNode check(JsonNode explanation, String name) {
        return checks(explanation).stream().filter(check -> check.get("check").asString().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no check '" + name + "' in " + explanation));
    }

    private static String textOrNull(JsonNode node) {
        return node == null || node.isNull() ? null : node.asString();
    }

    private static void write(RevocationMessage revocation) {
        TestRevocations.write(redis(), revocation);
    }
}
