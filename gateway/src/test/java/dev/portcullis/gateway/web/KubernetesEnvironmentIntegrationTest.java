package dev.portcullis.gateway.web;

import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.portcullis.gateway.support.GatewayIntegrationTest;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.cloud.CloudPlatform;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.netty.http.client.HttpClient;

/**
 * The gateway as it runs in a pod: the system environment has {@code KUBERNETES_SERVICE_HOST} and
 * {@code KUBERNETES_SERVICE_PORT}, so Spring Boot detects {@link CloudPlatform#KUBERNETES}, which on its own would turn
 * on Reactor Netty's forwarded-header handling. The ingress controller is {@value #INGRESS} (a loopback address the
 * test binds its "ingress" client to), set as the deployment sets it: {@code GATEWAY_TRUSTED_PROXIES}. Every other
 * client is untrusted, and nothing it puts in {@code Forwarded} / {@code X-Forwarded-*} may choose the route, the
 * client address or what a service is told about the request.
 */
@ContextConfiguration(initializers = KubernetesEnvironmentIntegrationTest.KubernetesPod.class)
class KubernetesEnvironmentIntegrationTest extends GatewayIntegrationTest {

    static final String INGRESS = "127.0.0.2";

    @Autowired
    ConfigurableEnvironment environment;

    /** A pod whose deployment sets the ingress controller as the one trusted proxy, as the overlays do. */
    static final class KubernetesPod implements ApplicationContextInitializer<ConfigurableApplicationContext> {

        @Override
        public void initialize(ConfigurableApplicationContext context) {
            dev.portcullis.testsupport.KubernetesPod.enter(context, Map.of("GATEWAY_TRUSTED_PROXIES", INGRESS));
        }
    }

    @Test
    void springBootSeesAKubernetesPodWhoseDefaultWouldBelieveForwardedHeaders() {
        assertThat(CloudPlatform.getActive(environment)).isEqualTo(CloudPlatform.KUBERNETES);
        assertThat(CloudPlatform.KUBERNETES.isUsingForwardHeaders()).isTrue();
        assertThat(environment.getProperty("portcullis.http.trusted-proxies")).isEqualTo(INGRESS);
    }

    @Test
    void aForwardedPrefixNeverChoosesTheRoute() {
        String token = tokens.forUser("u-1").permissions("users:read").sign();

        for (WebTestClient peer : List.of(client, ingress())) {
            peer.get().uri("/me").header("Authorization", "Bearer " + token).header("X-Forwarded-Prefix", "/api/users")
                    .exchange()
                    .expectStatus().isNotFound()
                    .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON);
        }

        upstream.verify(0, anyRequestedFor(urlPathMatching("/(users|api).*")));
    }

    @Test
    void aForwardedPrefixCannotTakeACancelPastTheMfaRuleOfItsRoute() {
        String withoutMfa = tokens.forUser("u-1").permissions("orders:read", "orders:write").sign();

        for (WebTestClient peer : List.of(client, ingress())) {
            peer.post().uri("/cancel").header("Authorization", "Bearer " + withoutMfa)
                    .header("X-Forwarded-Prefix", "/api/orders/o-1/x/..")
                    .exchange()
                    .expectStatus().isNotFound();
        }
        // the route that owns the path still asks for MFA
        client.post().uri("/api/orders/o-1/cancel").header("Authorization", "Bearer " + withoutMfa)
                .header("X-Forwarded-Prefix", "/api/orders")
                .exchange()
                .expectStatus().isForbidden()
                .expectBody().jsonPath("$.detail").value(detail -> assertThat(detail.toString()).contains("MFA"));

        upstream.verify(0, anyRequestedFor(urlPathMatching("/(orders|cancel|api).*")));
    }

    @Test
    void anUntrustedClientCannotChooseItsAddressAndSoNotItsRateLimit() {
        String[][] spoofs = {
                {"X-Forwarded-For", "203.0.113.1"},
                {"Forwarded", "for=203.0.113.2;proto=https"},
                {"X-Forwarded-For", "203.0.113.3, 198.51.100.3"},
                {"X_Forwarded_For", "203.0.113.4"}};
        List<Integer> statuses = new java.util.ArrayList<>();
        for (String[] spoof : spoofs) {
            statuses.add(client.get().uri("/it/limited-public/info").header(spoof[0], spoof[1]).exchange()
                    .returnResult(Void.class).getStatus().value());
        }

        // it-limited-public allows 3 per minute and client IP: the four requests came from one address
        assertThat(statuses).containsExactly(200, 200, 200, 429);
        List<LoggedRequest> received = upstream.findAll(getRequestedFor(urlPathMatching("/it/limited-public/.*")));
        assertThat(received).hasSize(3);

        for (LoggedRequest request : received) {
            assertThat(request.getHeader("X-Forwarded-For")).isEqualTo("127.0.0.1");
            assertThat(request.getHeader("Forwarded"))
                    .matches("proto=http;host=\"localhost:" + port + "\";for=\"127\\.0\\.0\\.1:\\d+\"");
            assertThat(request.containsHeader("X_Forwarded_For")).isFalse();
        }
    }

    @Test
    void hostProtoAndPortFromAnUntrustedClientNeverReachAService() {
        String token = tokens.forUser("u-1").permissions("users:read").sign();

        client.get().uri("/api/users/me").header("Authorization", "Bearer " + token)
                .header("X-Forwarded-Host", "evil.example")
                .header("X-Forwarded-Proto", "https")
                .header("X-Forwarded-Port", "443")
                .header("X-Forwarded-Prefix", "/admin")
                .header("X-Real-IP", "203.0.113.9")
                .exchange()
                .expectStatus().isOk();

        LoggedRequest received = upstream.findAll(getRequestedFor(urlPathEqualTo("/users/me"))).getFirst();
        assertThat(received.getHeader("X-Forwarded-For")).isEqualTo("127.0.0.1");
        assertThat(received.getHeader("X-Forwarded-Host")).isEqualTo("localhost:" + port);
        assertThat(received.getHeader("X-Forwarded-Proto")).isEqualTo("http");
        assertThat(received.getHeader("X-Forwarded-Port")).isEqualTo(Integer.toString(port));
        assertThat(received.getHeader("X-Forwarded-Prefix")).isEqualTo("/api");
        assertThat(received.containsHeader("X-Real-IP")).isFalse();
    }

    @Test
    void theTrustedIngressForwardsTheClientsAddressSchemeAndHostAndTheGatewayAddsItsOwnHop() {
        String token = tokens.forUser("u-1").permissions("users:read").sign();

        ingress().get().uri("/api/users/me").header("Authorization", "Bearer " + token)
                .header("X-Forwarded-For", "203.0.113.7")
                .header("X-Forwarded-Host", "api.example.com")
                .header("X-Forwarded-Proto", "https")
                .header("X-Forwarded-Port", "443")
                .exchange()
                .expectStatus().isOk();

        LoggedRequest received = upstream.findAll(getRequestedFor(urlPathEqualTo("/users/me"))).getFirst();
        // the first value is what the ingress saw, the last what the gateway saw: services read the first
        assertThat(received.getHeader("X-Forwarded-For")).isEqualTo("203.0.113.7," + INGRESS);
        assertThat(received.getHeader("X-Forwarded-Host")).isEqualTo("api.example.com,127.0.0.1:" + port);
        assertThat(received.getHeader("X-Forwarded-Proto")).isEqualTo("https,http");
        assertThat(received.getHeader("X-Forwarded-Port")).isEqualTo("443," + port);
        assertThat(received.getHeader("X-Forwarded-Prefix")).isEqualTo("/api");
    }

    @Test
    void behindTheTrustedIngressTheRateLimitKeysOnTheClientTheIngressSaw() {
        for (int i = 0; i < 3; i++) {
            ingress().get().uri("/it/limited-public/info").header("X-Forwarded-For", "203.0.113.20").exchange()
                    .expectStatus().isOk();
        }
        ingress().get().uri("/it/limited-public/info").header("X-Forwarded-For", "203.0.113.20").exchange()
                .expectStatus().isEqualTo(429);
        ingress().get().uri("/it/limited-public/info").header("X-Forwarded-For", "203.0.113.21").exchange()
                .expectStatus().isOk();

        assertThat(upstream.findAll(getRequestedFor(urlPathMatching("/it/limited-public/.*")))).hasSize(4);
    }

    /** A client whose connections come from the trusted ingress address. */
    private WebTestClient ingress() {
        HttpClient fromIngress = HttpClient.create().bindAddress(() -> new InetSocketAddress(INGRESS, 0));
        return WebTestClient.bindToServer(new ReactorClientHttpConnector(fromIngress))
                .baseUrl("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(20)).build();
    }
}
