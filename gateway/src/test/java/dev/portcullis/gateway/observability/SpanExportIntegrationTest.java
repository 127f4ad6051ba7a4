package dev.portcullis.gateway.observability;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.portcullis.contract.TraceParent;
import dev.portcullis.gateway.support.GatewayIntegrationTest;
import dev.portcullis.testsupport.TestClients;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * With an OTLP endpoint configured, each request becomes one exported server span, and the {@code traceparent} sent
 * upstream names that span as the parent; without one (every other test) nothing is recorded and the bean is
 * {@link PropagatingRequestTracing}.
 */
class SpanExportIntegrationTest extends GatewayIntegrationTest {

    static final String TRACES = "/v1/traces";

    @Autowired
    ApplicationContext applicationContext;

    @Test
    void exportsOneSpanPerRequestWhoseIdsAreTheOnesSentUpstream() {
        upstream.stubFor(post(urlPathEqualTo(TRACES)).willReturn(aResponse().withStatus(200)));
        try (ConfigurableApplicationContext exporting = startSecondInstance(
                "--management.opentelemetry.tracing.export.otlp.endpoint=" + upstream.baseUrl() + TRACES,
                "--management.opentelemetry.tracing.export.schedule-delay=100ms",
                "--management.tracing.sampling.probability=1.0")) {
            assertThat(exporting.getBean(RequestTracing.class)).isInstanceOf(ExportingRequestTracing.class);
            WebTestClient second = TestClients.localhost(exporting.getEnvironment().getProperty("local.server.port")).build();

            second.get().uri("/api/users/me").header("Authorization", "Bearer " + tokens.forUser("u-span").sign())
                    .exchange().expectStatus().isOk();

            LoggedRequest call = upstream.findAll(getRequestedFor(urlPathEqualTo("/users/me"))).getLast();
            TraceParent sent = TraceParent.parse(call.getHeader(TraceParent.HEADER));
            assertThat(sent.sampled()).as("sampled by the gateway's sampler").isTrue();
            // OTLP/HTTP protobuf: the ids as raw bytes, the tags as strings
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                List<LoggedRequest> exports = upstream.findAll(postRequestedFor(urlPathEqualTo(TRACES)));
                assertThat(exports).anySatisfy(export -> {
                    byte[] body = export.getBody();
                    assertThat(contains(body, HexFormat.of().parseHex(sent.traceId()))).isTrue();
                    assertThat(contains(body, HexFormat.of().parseHex(sent.spanId()))).isTrue();
                    assertThat(contains(body, "portcullis.route".getBytes(StandardCharsets.UTF_8))).isTrue();
                    assertThat(contains(body, "users".getBytes(StandardCharsets.UTF_8))).isTrue();
                });
            });
        }
    }

    @Test
    void recordsNothingWithoutAnExporter() {
        assertThat(applicationContext.getBean(RequestTracing.class)).isInstanceOf(PropagatingRequestTracing.class);
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
