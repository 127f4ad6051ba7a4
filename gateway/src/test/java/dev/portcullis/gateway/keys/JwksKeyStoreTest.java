package dev.portcullis.gateway.keys;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.nimbusds.jose.jwk.JWK;
import dev.portcullis.gateway.security.JwtProperties;
import dev.portcullis.testsupport.MutableClock;
import dev.portcullis.testsupport.TestKeys;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Status;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

class JwksKeyStoreTest {

    private static final String PATH = "/.well-known/jwks.json";

    private final WireMockServer jwks = new WireMockServer(wireMockConfig().dynamicPort());
    private final MutableClock clock = MutableClock.startingNow();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private JwksKeyStore store;

    @BeforeEach
    void start() {
        jwks.start();
    }

    @AfterEach
    void stop() {
        if (store != null) {
            store.stop();
        }
        jwks.stop();
    }

    @Test
    void findsAPublishedKeyByItsKid() {
        serve(TestKeys.RSA);
        store = store(Duration.ofSeconds(30), Set.of("RS256"));
        StepVerifier.create(store.poll()).expectNextCount(1).verifyComplete();

        StepVerifier.create(store.find(TestKeys.RSA.getKeyID()))
                .assertNext(lookup -> assertThat(lookup).isInstanceOf(KeyLookup.Found.class))
                .verifyComplete();
        assertThat(store.isReady()).isTrue();
    }

    @Test
    void aFloodOfUnknownKidsCausesAtMostTwoRefetchesPerInterval() {
        serve(TestKeys.RSA);
        store = store(Duration.ofSeconds(30), Set.of("RS256"));
        StepVerifier.create(store.poll()).expectNextCount(1).verifyComplete();

        StepVerifier.create(Flux.range(0, 200).concatMap(i -> store.find(UUID.randomUUID().toString())))
                .expectNextCount(200)
                .verifyComplete();

        // the first load plus at most two refetches within the rate-limit interval
        int fetches = jwks.findAll(getRequestedFor(urlPathEqualTo(PATH))).size();
        assertThat(fetches).isLessThanOrEqualTo(3);
    }

    @Test
    void aRotatedKeyIsPickedUpWhenATokenFirstNamesIt() {
        serve(TestKeys.RSA);
        store = store(Duration.ofSeconds(30), Set.of("RS256"));
        StepVerifier.create(store.poll()).expectNextCount(1).verifyComplete();

        serve(TestKeys.RSA, TestKeys.RSA_NEXT);

        StepVerifier.create(store.find(TestKeys.RSA_NEXT.getKeyID()))
                .assertNext(lookup -> assertThat(lookup).isInstanceOf(KeyLookup.Found.class))
                .verifyComplete();
    }

    @Test
    void aKeyRotatedRightAfterAFloodIsFoundOnceTheRateLimitIntervalHasPassed() {
        serve(TestKeys.RSA);
        store = store(Duration.ofSeconds(30), Set.of("RS256"));
        StepVerifier.create(store.poll()).expectNextCount(1).verifyComplete();
        StepVerifier.create(Flux.range(0, 50).concatMap(i -> store.find(UUID.randomUUID().toString())))
                .expectNextCount(50).verifyComplete();

        serve(TestKeys.RSA, TestKeys.RSA_NEXT);
        clock.advance(Duration.ofSeconds(31));

        StepVerifier.create(store.find(TestKeys.RSA_NEXT.getKeyID()))
                .assertNext(lookup -> assertThat(lookup).isInstanceOf(KeyLookup.Found.class))
                .verifyComplete();
    }

    @Test
    void keepsServingTheLastGoodKeySetWhileTheJwksEndpointIsDown() {
        serve(TestKeys.RSA);
        store = store(Duration.ofSeconds(30), Set.of("RS256"));
        StepVerifier.create(store.poll()).expectNextCount(1).verifyComplete();

        jwks.stubFor(get(urlPathEqualTo(PATH)).willReturn(aResponse().withStatus(503)));
        clock.advance(Duration.ofMinutes(20)); // many poll intervals, well within the outage tolerance

        StepVerifier.create(store.poll()).expectNextCount(1).verifyComplete();
        StepVerifier.create(store.find(TestKeys.RSA.getKeyID()))
                .assertNext(lookup -> assertThat(lookup).isInstanceOf(KeyLookup.Found.class))
                .verifyComplete();
        assertThat(meters.get("portcullis.jwks.fetches").tag("outcome", "failure").counter().count()).isPositive();
    }

    @Test
    void aKeyPulledFromTheJwksIsDroppedByTheNextPollAndListenersHearOnlyItsKid() {
        serve(TestKeys.RSA, TestKeys.RSA_NEXT);
        store = store(Duration.ofSeconds(30), Set.of("RS256"));
        List<Set<String>> removals = new CopyOnWriteArrayList<>();
        store.onKeysRemoved(removals::add);
        StepVerifier.create(store.poll()).expectNextCount(1).verifyComplete();
        StepVerifier.create(store.poll()).expectNextCount(1).verifyComplete();
        assertThat(removals).as("an unchanged key set removes nothing").isEmpty();

        serve(TestKeys.RSA);
        StepVerifier.create(store.poll()).expectNextCount(1).verifyComplete();

        assertThat(removals).containsExactly(Set.of(TestKeys.RSA_NEXT.getKeyID()));
        assertThat(store.keyIds()).containsExactly(TestKeys.RSA.getKeyID());
        assertThat(meters.get("portcullis.jwks.keys.removed").counter().count()).isEqualTo(1.0);
    }

    @Test
    void aKeyReplacedUnderTheSameKidCountsAsRemoved() {
        serve(TestKeys.RSA);
        store = store(Duration.ofSeconds(30), Set.of("RS256"));
        List<Set<String>> removals = new CopyOnWriteArrayList<>();
        store.onKeysRemoved(removals::add);
        StepVerifier.create(store.poll()).expectNextCount(1).verifyComplete();
        TrustedKey before = ((KeyLookup.Found) store.find(TestKeys.RSA.getKeyID()).block()).key();

        serve(TestKeys.ATTACKER); // another key material under the same kid
        StepVerifier.create(store.poll()).expectNextCount(1).verifyComplete();

        assertThat(removals).containsExactly(Set.of(TestKeys.RSA.getKeyID()));
        assertThat(store.isTrusted(before)).isFalse();
    }

    @Test
    void thePollerFetchesTheKeySetEveryPollIntervalEvenWhenItIsUnchanged() {
        serve(TestKeys.RSA);
        store = new JwksKeyStore("portcullis", issuer(URI.create(jwks.baseUrl() + PATH), false, Set.of("RS256")),
                new JwksProperties(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofHours(12),
                        Duration.ofSeconds(2), Duration.ofSeconds(2)), clock, meters);
        store.start();

        // the mutable clock stands still: the schedule runs on elapsed time, not on the token clock
        await().atMost(Duration.ofSeconds(10))
                .until(() -> jwks.findAll(getRequestedFor(urlPathEqualTo(PATH))).size() >= 3);
    }

    @Test
    void isNotReadyUntilAKeySetHasBeenLoadedOnce() {
        jwks.stubFor(get(urlPathEqualTo(PATH)).willReturn(aResponse().withStatus(500)));
        store = store(Duration.ofMillis(200), Set.of("RS256"));
        JwksHealthIndicator health = new JwksHealthIndicator(java.util.List.of(store));
        store.start();

        StepVerifier.create(health.health()).assertNext(h -> assertThat(h.getStatus()).isEqualTo(Status.OUT_OF_SERVICE)).verifyComplete();
        StepVerifier.create(store.find(TestKeys.RSA.getKeyID()))
                .assertNext(lookup -> assertThat(lookup).isInstanceOf(KeyLookup.Unavailable.class))
                .verifyComplete();

        serve(TestKeys.RSA);

        // the poller retries every second, and the fetch rate limit does not hold back a first load
        await().atMost(Duration.ofSeconds(10)).until(store::isReady);
        StepVerifier.create(health.health()).assertNext(h -> assertThat(h.getStatus()).isEqualTo(Status.UP)).verifyComplete();
    }

    @Test
    void keysThatCannotVerifyAnAllowedAlgorithmAreNotTrusted() {
        serve(TestKeys.RSA, TestKeys.EC, TestKeys.rsaWeak("weak-1024"));
        store = store(Duration.ofSeconds(30), Set.of("RS256"));
        StepVerifier.create(store.poll()).expectNextCount(1).verifyComplete();

        assertThat(store.keyIds()).containsExactly(TestKeys.RSA.getKeyID());
    }

    @Test
    void anEcKeyIsTrustedWhenEs256IsAllowed() {
        serve(TestKeys.RSA, TestKeys.EC);
        store = store(Duration.ofSeconds(30), Set.of("RS256", "ES256"));
        StepVerifier.create(store.poll()).expectNextCount(1).verifyComplete();

        assertThat(store.keyIds()).containsExactlyInAnyOrder(TestKeys.RSA.getKeyID(), TestKeys.EC.getKeyID());
    }

    private void serve(JWK... keys) {
        jwks.stubFor(get(urlPathEqualTo(PATH)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(TestKeys.jwksJson(keys))));
    }

    @Test
    void withDiscoveryTheKeySetIsFetchedFromTheJwksUriTheIssuersMetadataNames() {
        serve(TestKeys.RSA);
        jwks.stubFor(get(urlPathEqualTo("/realms/corp/.well-known/openid-configuration")).willReturn(okJson(
                "{\"issuer\":\"" + jwks.baseUrl() + "/realms/corp\",\"jwks_uri\":\"" + jwks.baseUrl() + PATH + "\"}")));
        store = new JwksKeyStore("corp", discoveryIssuer(jwks.baseUrl() + "/realms/corp"), jwksSettings(Duration.ofSeconds(30)),
                clock, meters);
        store.start();

        await().atMost(Duration.ofSeconds(10)).until(store::isReady);
        assertThat(store.keyIds()).containsExactly(TestKeys.RSA.getKeyID());
        assertThat(store.issuerId()).isEqualTo("corp");
    }

    @Test
    void metadataThatNamesAnotherIssuerIsNeverBelievedAndNoKeysAreFetched() {
        serve(TestKeys.RSA);
        jwks.stubFor(get(urlPathEqualTo("/realms/corp/.well-known/openid-configuration")).willReturn(okJson(
                "{\"issuer\":\"https://evil.example\",\"jwks_uri\":\"" + jwks.baseUrl() + PATH + "\"}")));
        store = new JwksKeyStore("corp", discoveryIssuer(jwks.baseUrl() + "/realms/corp"), jwksSettings(Duration.ofSeconds(30)),
                clock, meters);

        StepVerifier.create(store.poll()).expectNextCount(1).verifyComplete();

        assertThat(store.isReady()).isFalse();
        assertThat(jwks.findAll(getRequestedFor(urlPathEqualTo(PATH)))).isEmpty();
        assertThat(meters.get("portcullis.jwks.fetches").tag("outcome", "success").tag("issuer", "corp").counter().count())
                .isEqualTo(1.0); // the metadata itself was read
    }

    @Test
    void readinessWaitsForEveryIssuersKeySet() {
        serve(TestKeys.RSA);
        store = store(Duration.ofSeconds(30), Set.of("RS256"));
        JwksKeyStore late = new JwksKeyStore("late", new JwtProperties.Issuer("https://late.example",
                URI.create(jwks.baseUrl() + "/late/jwks"), false, Set.of("portcullis"), Set.of("RS256"), null, null, null, null)
                .keySource(),
                jwksSettings(Duration.ofSeconds(30)), clock, meters);
        jwks.stubFor(get(urlPathEqualTo("/late/jwks")).willReturn(aResponse().withStatus(503)));
        JwksHealthIndicator health = new JwksHealthIndicator(java.util.List.of(store, late));
        StepVerifier.create(store.poll()).expectNextCount(1).verifyComplete();
        StepVerifier.create(late.poll()).expectNextCount(1).verifyComplete();

        StepVerifier.create(health.health()).assertNext(h -> {
            assertThat(h.getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
            assertThat(h.getDetails().get("late")).isEqualTo(java.util.Map.of("reason", "no trusted key set loaded"));
            assertThat(h.getDetails().get("portcullis")).isEqualTo(java.util.Map.of("keys", 1));
        }).verifyComplete();

        jwks.stubFor(get(urlPathEqualTo("/late/jwks")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(TestKeys.jwksJson(TestKeys.RSA_NEXT))));
        StepVerifier.create(late.poll()).expectNextCount(1).verifyComplete();
        StepVerifier.create(health.health()).assertNext(h -> assertThat(h.getStatus()).isEqualTo(Status.UP)).verifyComplete();
        late.stop();
    }

    private static JwksKeyStore.Source issuer(URI jwksUri, boolean discovery, Set<String> algorithms) {
        return new JwtProperties.Issuer("http://issuer", jwksUri, discovery, Set.of("portcullis"), algorithms, null, null,
                null, null).keySource();
    }

    private static JwksKeyStore.Source discoveryIssuer(String issuer) {
        return new JwtProperties.Issuer(issuer, null, true, Set.of("portcullis"), Set.of("RS256"), null, null, null, null)
                .keySource();
    }

    private static JwksProperties jwksSettings(Duration minRefetchInterval) {
        return new JwksProperties(Duration.ofSeconds(15), minRefetchInterval, Duration.ofHours(12),
                Duration.ofSeconds(2), Duration.ofSeconds(2));
    }

    private JwksKeyStore store(Duration minRefetchInterval, Set<String> algorithms) {
        return new JwksKeyStore("portcullis", issuer(URI.create(jwks.baseUrl() + PATH), false, algorithms),
                jwksSettings(minRefetchInterval), clock, meters);
    }
}
