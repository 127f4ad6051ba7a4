package dev.portcullis.gateway.observability;

import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.core.ConsoleAppender;
import dev.portcullis.contract.IdentityHeaders;
import dev.portcullis.contract.TraceParent;
import dev.portcullis.gateway.support.GatewayIntegrationTest;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;
import org.springframework.boot.json.JsonParserFactory;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.context.TestPropertySource;

/**
 * {@code LOG_FORMAT=ecs} turns the gateway's console into one ECS JSON object per line, the access log's fields as
 * members (not a message string), its lines still behind the bounded non-blocking appender.
 *
 * <p>Runs in a JVM of its own (gateway pom: surefire execution {@code structured-logs}): logging is JVM-wide, and a
 * context that switches it to JSON would leave JSON behind for the classes that read plain lines.
 */
@TestPropertySource(properties = "LOG_FORMAT=ecs")
@ExtendWith(OutputCaptureExtension.class)
class StructuredLogIntegrationTest extends GatewayIntegrationTest {

    @Test
    void writesTheAccessLogLineAsEcsJsonWithItsFieldsAsMembers(CapturedOutput output) {
        String token = tokens.forUser("u-json").sign();
        client.get().uri("/api/users/me?secret=1").header("Authorization", "Bearer " + token)
                .header(IdentityHeaders.REQUEST_ID, "json-line-1")
                .header("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
                .exchange().expectStatus().isOk();

        Map<String, Object> line = await().atMost(Duration.ofSeconds(10))
                .until(() -> accessLine(output, "json-line-1"), Optional::isPresent).orElseThrow();
        TraceParent sent = TraceParent.parse(upstream.findAll(getRequestedFor(urlPathEqualTo("/users/me")))
                .getFirst().getHeader(TraceParent.HEADER));

        assertThat(line).containsEntry("ecs", Map.of("version", "8.11"))
                .containsEntry("route", "users").containsEntry("method", "GET").containsEntry("path", "/api/users/me")
                .containsEntry("status", 200).containsEntry("user", "u-json")
                .containsEntry("traceId", "4bf92f3577b34da6a3ce929d0e0e4736").containsEntry("spanId", sent.spanId())
                .containsKey("latency_ms").containsKey("@timestamp")
                .doesNotContainKey("reason");
        assertThat(line.get("latency_ms")).isInstanceOf(Number.class);
        assertThat(line.get("message")).isEqualTo("GET /api/users/me 200");
        assertThat(output.getOut()).doesNotContain(token).doesNotContain("secret=1");
    }

    @Test
    void writesARejectionWithItsReasonAndEveryOtherLineAsJsonToo(CapturedOutput output) {
        client.get().uri("/api/orders/1").header(IdentityHeaders.REQUEST_ID, "json-line-2")
                .exchange().expectStatus().isUnauthorized();

        Map<String, Object> line = await().atMost(Duration.ofSeconds(10))
                .until(() -> accessLine(output, "json-line-2"), Optional::isPresent).orElseThrow();
        assertThat(line).containsEntry("status", 401).containsEntry("reason", "missing").doesNotContainKey("user");
        assertThat(((String) line.get("traceId"))).matches("[0-9a-f]{32}");
        assertThat(output.getOut().lines().filter(text -> !text.isBlank()))
                .allSatisfy(text -> assertThat(text).startsWith("{").endsWith("}"));
    }

    @Test
    void keepsTheAccessLogBehindTheNonBlockingAppenderWhenItIsJson() {
        Logger access = (Logger) LoggerFactory.getLogger("portcullis.access");
        AsyncAppender async = (AsyncAppender) access.getAppender("ACCESS");

        assertThat(async.isNeverBlock()).isTrue();
        assertThat(async.getAppender("CONSOLE")).isInstanceOfSatisfying(ConsoleAppender.class, console ->
                assertThat(((ConsoleLogEncoder) console.getEncoder()).isStructured()).isTrue());
    }

    private static Optional<Map<String, Object>> accessLine(CapturedOutput output, String requestId) {
        return output.getOut().lines()
                .filter(text -> text.startsWith("{") && text.contains("\"request_id\":\"" + requestId + "\""))
                .map(text -> JsonParserFactory.getJsonParser().parseMap(text))
                .findFirst();
    }
}
