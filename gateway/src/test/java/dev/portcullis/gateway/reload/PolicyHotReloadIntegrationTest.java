package dev.portcullis.gateway.reload;

import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.gateway.support.GatewayIntegrationTest;
import dev.portcullis.testsupport.TestClients;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Routes and policies change without a restart: a gateway whose routes live in a mounted directory laid out as the
 * kubelet lays out a ConfigMap volume ({@code ..data} symlinked to a timestamped directory, swapped atomically on an
 * update) picks up a tightened policy for the very next requests, and an invalid change leaves the old policies
 * serving, reported in the log and counted.
 */
class PolicyHotReloadIntegrationTest extends GatewayIntegrationTest {

    @TempDir
    Path mount;

    private int version;

    @Test
    void aPolicyTightenedInTheMountedConfigMapRefusesTheNextRequestsAndAnInvalidChangeKeepsTheOldOne() throws IOException {
        publish(route("it-reload", "/it/reload/**", "permissions: [reload:a]"));
        String tokenA = tokens.forUser("u-a").permissions("reload:a").sign();
        String tokenB = tokens.forUser("u-b").permissions("reload:b").sign();

        try (ConfigurableApplicationContext gateway = startSecondInstance(
                "--spring.config.additional-location=optional:file:" + mount + "/",
                "--portcullis.config-reload.paths=" + mount,
                "--portcullis.config-reload.interval=200ms")) {
            WebTestClient client = clientOf(gateway, "local.server.port");
            WebTestClient management = clientOf(gateway, "local.management.port");
            await().atMost(Duration.ofSeconds(20)).until(() -> status(client, "/it/reload/1", tokenA) == 200);
            assertThat(status(client, "/it/reload/2", tokenB)).isEqualTo(403);

            publish(route("it-reload", "/it/reload/**", "permissions: [reload:b]"));

            await().atMost(Duration.ofSeconds(10)).until(() -> status(client, "/it/reload/poll", tokenA) == 403);
            assertThat(status(client, "/it/reload/3", tokenA)).isEqualTo(403);
            assertThat(status(client, "/it/reload/4", tokenB)).isEqualTo(200);
            assertThat(metric(management, "portcullis_policies_reloads_total{", "outcome=\"applied\"")).isPositive();

            // a typo in an existing route and a new route in the same change: rejected as a whole
            publish(route("it-reload", "/it/reload/**", "permision: [reload:a]")
                    + route("it-reload-new", "/it/reload-new/**", "public: true"));

            await().atMost(Duration.ofSeconds(10))
                    .until(() -> metric(management, "portcullis_policies_reloads_total{", "outcome=\"rejected\"") >= 1);
            assertThat(status(client, "/it/reload/5", tokenA)).isEqualTo(403);
            assertThat(status(client, "/it/reload/6", tokenB)).isEqualTo(200);
            // the new route is served by Spring Cloud Gateway, but its intended policy is unknown: refused, not guessed
            client.get().uri("/it/reload-new/x").exchange().expectStatus().isEqualTo(503)
                    .expectBody().jsonPath("$.detail").isEqualTo("This route's policy is being reloaded");
        }
        assertThat(upstream.findAll(getRequestedFor(urlPathEqualTo("/it/reload/3")))).isEmpty();
        assertThat(upstream.findAll(getRequestedFor(urlPathEqualTo("/it/reload/5")))).isEmpty();
        assertThat(upstream.findAll(getRequestedFor(urlPathEqualTo("/it/reload-new/x")))).isEmpty();
        assertThat(upstream.findAll(getRequestedFor(urlPathEqualTo("/it/reload/4")))).hasSize(1);
        assertThat(upstream.findAll(getRequestedFor(urlPathEqualTo("/it/reload/6")))).hasSize(1);
    }

    @Test
    void theRefreshEndpointOnTheManagementPortReloadsOnDemandAndThePublicPortHasNone() throws IOException {
        publish(route("it-refresh", "/it/refresh/**", "public: true"));

        try (ConfigurableApplicationContext gateway = startSecondInstance(
                "--spring.config.additional-location=optional:file:" + mount + "/")) {
            WebTestClient client = clientOf(gateway, "local.server.port");
            WebTestClient management = clientOf(gateway, "local.management.port");
            await().atMost(Duration.ofSeconds(20)).until(() -> status(client, "/it/refresh/1", null) == 200);

            publish(route("it-refresh", "/it/refresh/**", "roles: [admin]"));
            // no watcher here: nothing changes until someone asks
            assertThat(status(client, "/it/refresh/2", null)).isEqualTo(200);
            client.post().uri("/actuator/refresh").exchange().expectStatus().isNotFound();
            management.post().uri("/actuator/refresh").exchange().expectStatus().isOk();

            assertThat(status(client, "/it/refresh/3", null)).isEqualTo(401);
            assertThat(status(client, "/it/refresh/4", tokens.forUser("u-admin").role("admin").sign())).isEqualTo(200);
        }
    }

    @Test
    void aReloadChangesTheShadowPolicyAndAnInvalidShadowPolicyIsRejectedWithTheRest() throws IOException {
        String shadowMismatch = "portcullis_policies_shadow_mismatches_total{";
        String tokenA = tokens.forUser("u-a").permissions("reload:a").sign();
        publish(shadowRoute("permissions: [reload:a]", "permissions: [reload:a]"));

        try (ConfigurableApplicationContext gateway = startSecondInstance(
                "--spring.config.additional-location=optional:file:" + mount + "/")) {
            WebTestClient client = clientOf(gateway, "local.server.port");
            WebTestClient management = clientOf(gateway, "local.management.port");
            await().atMost(Duration.ofSeconds(20)).until(() -> status(client, "/it/shadow-reload/1", tokenA) == 200);
            assertThat(metric(management, shadowMismatch, "route=\"it-shadow-reload\"")).isZero();

            // the shadow tightens: the live policy still serves token A, the shadow counts it
            publish(shadowRoute("permissions: [reload:a]", "permissions: [reload:a, reload:b]"));
            management.post().uri("/actuator/refresh").exchange().expectStatus().isOk();
            assertThat(status(client, "/it/shadow-reload/2", tokenA)).isEqualTo(200);
            assertThat(metric(management, shadowMismatch, "reason=\"insufficient_permissions\"")).isEqualTo(1);

            // a typo in the shadow policy rejects the whole change, the live part of it included
            publish(shadowRoute("permissions: [reload:b]", "permision: [reload:b]"));
            management.post().uri("/actuator/refresh").exchange().expectStatus().isOk();
            assertThat(metric(management, "portcullis_policies_reloads_total{", "outcome=\"rejected\"")).isEqualTo(1);
            assertThat(status(client, "/it/shadow-reload/3", tokenA)).isEqualTo(200);
            assertThat(metric(management, shadowMismatch, "reason=\"insufficient_permissions\"")).isEqualTo(2);
        }
        assertThat(upstream.findAll(getRequestedFor(urlPathEqualTo("/it/shadow-reload/2")))).hasSize(1);
        assertThat(upstream.findAll(getRequestedFor(urlPathEqualTo("/it/shadow-reload/3")))).hasSize(1);
    }

    /** The shadow-policy test's route, with a live and a shadow policy line. */
    private static String shadowRoute(String policy, String shadowPolicy) {
        return """
                            - id: it-shadow-reload
                              uri: %s
                              predicates:
                                - Path=/it/shadow-reload/**
                              metadata:
                                policy:
                                  %s
                                shadow-policy:
                                  %s
                """.formatted(upstream.baseUrl(), policy, shadowPolicy);
    }

    /** One route to the test's upstream, with the given policy line. */
    private static String route(String id, String path, String policy) {
        return """
                            - id: %s
                              uri: %s
                              predicates:
                                - Path=%s
                              metadata:
                                policy:
                                  %s
                """.formatted(id, upstream.baseUrl(), path, policy);
    }

    /**
     * Writes the routes as the kubelet updates a ConfigMap volume: a new timestamped directory, then an atomic swap of
     * the {@code ..data} symlink the visible file points through.
     */
    private void publish(String routes) throws IOException {
        String yaml = """
                spring:
                  cloud:
                    gateway:
                      server:
                        webflux:
                          routes:
                """ + routes;
        Path next = mount.resolve("..2026_12_02_" + (++version));
        Files.createDirectories(next);
        Files.writeString(next.resolve("application.yml"), yaml);
        Path link = mount.resolve("..data_tmp");
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, next.getFileName());
        Files.move(link, mount.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Path visible = mount.resolve("application.yml");
        if (!Files.exists(visible, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            Files.createSymbolicLink(visible, Path.of("..data", "application.yml"));
        }
    }

    private static WebTestClient clientOf(ConfigurableApplicationContext context, String portProperty) {
        return TestClients.localhost(context.getEnvironment().getProperty(portProperty)).build();
    }

    private static int status(WebTestClient client, String path, String token) {
        WebTestClient.RequestHeadersSpec<?> request = client.get().uri(path);
        if (token != null) {
            request = request.header("Authorization", "Bearer " + token);
        }
        return request.exchange().returnResult(Void.class).getStatus().value();
    }

    private static double metric(WebTestClient management, String prefix, String label) {
        String body = management.get().uri("/actuator/prometheus").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        return body.lines().filter(line -> line.startsWith(prefix) && line.contains(label))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }
}
