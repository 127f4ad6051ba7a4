package dev.portcullis.gateway.security;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.contract.IdentityHeaders;
import dev.portcullis.gateway.support.TokenDefencesIntegrationTest;
import dev.portcullis.testsupport.TestClients;
import dev.portcullis.testsupport.TestKeys;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * Forged tokens spend a per-client-IP budget before their signature is checked; once it is
 * spent, the client gets 429 and the gateway does no RSA work for it.
 */
class FailureBudgetIntegrationTest extends TokenDefencesIntegrationTest {

    @Autowired
    MeterRegistry meters;

    @Test
    void parallelForgedTokensFromOneAddressGet429OnceItsBudgetIsSpentAndCostNoFurtherSignatureChecks() {
        String attacker = freshAddress();
        String valid = tokens.forUser("u-budget").sign();
        getWithToken("/api/users/me", valid, attacker).exchange().expectStatus().isOk();
        double invalidChecks = signatureChecks("invalid");
        double uncheckedBefore = unchecked();

        List<EntityExchangeResult<String>> flood = parallel(60, i -> forged(), attacker);

        // A unit whose Redis call timed out is not counted (the budget fails open, see VerificationFailureBudget);
        // the tests give Redis 2 s (GatewayIntegrationTest.RATE_LIMIT_TIMEOUT), so this is 0 unless the machine stalls.
        long failedOpen = Math.round(unchecked() - uncheckedBefore);
        Map<Integer, Long> statuses = flood.stream().collect(Collectors.groupingBy(r -> r.getStatus().value(), Collectors.counting()));
        assertThat(statuses).containsOnlyKeys(401, 429)
                .containsEntry(401, BUDGET + failedOpen).containsEntry(429, 60L - BUDGET - failedOpen);
        assertThat(signatureChecks("invalid") - invalidChecks).as("RSA checks of forged tokens").isEqualTo(BUDGET + failedOpen);
        EntityExchangeResult<String> refused = flood.stream().filter(r -> r.getStatus().value() == 429).findFirst().orElseThrow();
        assertThat(refused.getResponseHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isNotBlank()
                .satisfies(seconds -> assertThat(Long.parseLong(seconds)).isPositive());
        assertThat(refused.getResponseHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(refused.getResponseBody()).contains("\"status\":429").contains("urn:portcullis:problem:rate-limited");

        List<EntityExchangeResult<String>> more = parallel(20, i -> forged(), attacker);

        assertThat(more).allSatisfy(result -> assertThat(result.getStatus().value()).isEqualTo(429));
        assertThat(signatureChecks("invalid") - invalidChecks).as("no signature work once the budget is spent")
                .isEqualTo(BUDGET + failedOpen);
        assertThat(metric("portcullis_gateway_rejections_total", "reason=\"too_many_invalid_tokens\"")).isGreaterThanOrEqualTo(70);
    }

    @Test
    void aSpentBudgetLeavesCachedTokensOfThatAddressAndForgedTokensOfOtherAddressesAlone() {
        String attacker = freshAddress();
        String neighbour = freshAddress();
        String valid = tokens.forUser("u-cached").sign();
        getWithToken("/api/users/me", valid, attacker).exchange().expectStatus().isOk();
        parallel(BUDGET + 5, i -> forged(), attacker);
        getWithToken("/api/users/me", forged(), attacker).exchange().expectStatus().isEqualTo(429);
        upstream.resetRequests();

        getWithToken("/api/users/me", valid, attacker).exchange().expectStatus().isOk();
        getWithToken("/api/users/me", forged(), neighbour).exchange()
                .expectStatus().isUnauthorized()
                .expectBody().jsonPath("$.detail").isEqualTo("The token's signature does not verify");

        upstream.verify(1, getRequestedFor(urlPathEqualTo("/users/me")).withHeader(IdentityHeaders.USER_ID, equalTo("u-cached")));
    }

    @Test
    void validTokensGiveTheirUnitBackSoThatOnlyFailuresSpendTheBudget() {
        String office = freshAddress();
        double validChecks = signatureChecks("valid");

        // fewer in flight than the budget: each uncached token holds a unit while it is checked
        List<EntityExchangeResult<String>> fresh = parallel(3 * BUDGET, i -> tokens.forUser("u-office-" + i).sign(), office, 4);

        assertThat(fresh).allSatisfy(result -> assertThat(result.getStatus().value()).isEqualTo(200));
        assertThat(signatureChecks("valid") - validChecks).isEqualTo(3 * BUDGET);
        List<EntityExchangeResult<String>> forgedOnes = parallel(BUDGET + 1, i -> forged(), office);
        assertThat(forgedOnes.stream().filter(r -> r.getStatus().value() == 401)).hasSize(BUDGET);
    }

    @Test
    void twoInstancesOnOneRedisSpendFromOneBudget() {
        String attacker = freshAddress();
        parallel(BUDGET, i -> forged(), attacker);
        try (ConfigurableApplicationContext second = startSecondInstance(SETTINGS)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> second.getBean(TrustedIssuers.class).isReady());
            WebTestClient secondClient = TestClients.localhost(second.getEnvironment().getProperty("local.server.port")).build();
            MeterRegistry secondMeters = second.getBean(MeterRegistry.class);

            secondClient.get().uri("/api/users/me").header("Authorization", "Bearer " + forged())
                    .header("X-Forwarded-For", attacker).exchange()
                    .expectStatus().isEqualTo(429)
                    .expectHeader().exists(HttpHeaders.RETRY_AFTER);
            secondClient.get().uri("/api/users/me").header("Authorization", "Bearer " + forged())
                    .header("X-Forwarded-For", freshAddress()).exchange()
                    .expectStatus().isUnauthorized();

            assertThat(secondMeters.get("portcullis.jwt.signature_checks").tag("outcome", "invalid").counter().count())
                    .as("the second instance checked only the other address's token").isEqualTo(1.0);
        }
    }

    private static String forged() {
        return tokens.forUser("u-victim").signedWith(TestKeys.ATTACKER).sign();
    }

    /** {@code count} requests with the tokens {@code token} makes, 16 at a time, from {@code clientAddress}. */
    private List<EntityExchangeResult<String>> parallel(int count, Function<Integer, String> token, String clientAddress) {
        return parallel(count, token, clientAddress, 16);
    }

    private List<EntityExchangeResult<String>> parallel(int count, Function<Integer, String> token, String clientAddress,
                                                        int concurrency) {
        List<String> signed = Flux.range(0, count).map(token).collectList().block();
        return Flux.fromIterable(signed)
                .flatMap(t -> Flux.defer(() -> Flux.just(getWithToken("/api/users/me", t, clientAddress).exchange()
                                .expectBody(String.class).returnResult()))
                        .subscribeOn(Schedulers.boundedElastic()), concurrency)
                .collectList().block(Duration.ofSeconds(60));
    }

    private double unchecked() {
        return meters.get("portcullis.jwt.failure_budget").tag("outcome", "unchecked").counter().count();
    }

    private double signatureChecks(String outcome) {
        return meters.get("portcullis.jwt.signature_checks").tag("outcome", outcome).counter().count();
    }
}
