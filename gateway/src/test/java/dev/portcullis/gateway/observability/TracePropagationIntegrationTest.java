package dev.portcullis.gateway.observability;

import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.portcullis.contract.IdentityHeaders;
import dev.portcullis.contract.TraceParent;
import dev.portcullis.gateway.support.GatewayIntegrationTest;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * W3C trace context: every request proxied carries a well-formed {@code traceparent} whose trace id is the one in the
 * access-log line and in a problem body; a client's well-formed trace is continued with the gateway's own span as the
 * parent, a malformed one is replaced and never forwarded.
 */
@ExtendWith(OutputCaptureExtension.class)
class TracePropagationIntegrationTest extends GatewayIntegrationTest {

    static final String CLIENT_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String CLIENT_SPAN_ID = "00f067aa0ba902b7";
    static final String CLIENT_TRACEPARENT = "00-" + CLIENT_TRACE_ID + "-" + CLIENT_SPAN_ID + "-01";

    @Test
    void startsATraceAndSendsTheSameTraceIdUpstreamAsTheAccessLogHas(CapturedOutput output) {
        client.get().uri("/api/users/me").header("Authorization", "Bearer " + tokens.forUser("u-trace").sign())
                .header(IdentityHeaders.REQUEST_ID, "trace-new-1").exchange().expectStatus().isOk();

        TraceParent sent = TraceParent.parse(onlyRequestTo("/users/me").getHeader(TraceParent.HEADER));
        assertThat(sent).isNotNull();
        assertThat(sent.sampled()).as("nothing recorded without an exporter").isFalse();
        assertThat(accessLogTraceId(output, "trace-new-1")).isEqualTo(sent.traceId());
    }

    @Test
    void continuesAWellFormedClientTraceWithTheGatewaysOwnSpanAsTheParent(CapturedOutput output) {
        client.get().uri("/api/users/me").header("Authorization", "Bearer " + tokens.forUser("u-trace").sign())
                .header(IdentityHeaders.REQUEST_ID, "trace-continued-1")
                .header("traceparent", CLIENT_TRACEPARENT)
                .header("tracestate", "congo=t61rcWkgMzE")
                .exchange().expectStatus().isOk();

        LoggedRequest received = onlyRequestTo("/users/me");
        TraceParent sent = TraceParent.parse(received.getHeader(TraceParent.HEADER));
        assertThat(sent.traceId()).isEqualTo(CLIENT_TRACE_ID);
        assertThat(sent.spanId()).isNotEqualTo(CLIENT_SPAN_ID);
        assertThat(sent.sampled()).as("the client's sampling decision is kept").isTrue();
        assertThat(received.getHeaders().getHeader("traceparent").values()).hasSize(1);
        assertThat(received.getHeader("tracestate")).isEqualTo("congo=t61rcWkgMzE");
        assertThat(accessLogTraceId(output, "trace-continued-1")).isEqualTo(CLIENT_TRACE_ID);
    }

    @Test
    void replacesAMalformedClientTraceparentAndDropsItsTracestate(CapturedOutput output) {
        List<String> malformed = List.of(
                "00-" + CLIENT_TRACE_ID.toUpperCase() + "-" + CLIENT_SPAN_ID + "-01",
                "00-00000000000000000000000000000000-" + CLIENT_SPAN_ID + "-01",
                "01-" + CLIENT_TRACE_ID + "-" + CLIENT_SPAN_ID + "-01",
                "00-" + CLIENT_TRACE_ID + "-" + CLIENT_SPAN_ID + "-01, x-user-id: admin");
        for (String header : malformed) {
            upstream.resetRequests();
            client.get().uri("/api/users/me").header("Authorization", "Bearer " + tokens.forUser("u-trace").sign())
                    .header("traceparent", header).header("tracestate", "evil=1").exchange().expectStatus().isOk();

            LoggedRequest received = onlyRequestTo("/users/me");
            String sent = received.getHeader(TraceParent.HEADER);
            assertThat(TraceParent.parse(sent)).as(header).isNotNull();
            assertThat(sent).doesNotContain(CLIENT_TRACE_ID).doesNotContain(CLIENT_TRACE_ID.toUpperCase());
            assertThat(received.getHeaders().getHeader("tracestate").isPresent()).as(header).isFalse();
        }
    }

    @Test
    void putsTheTraceIdOfTheAccessLogInTheProblemBody(CapturedOutput output) {
        String body = client.get().uri("/api/orders/1").header(IdentityHeaders.REQUEST_ID, "trace-problem-1")
                .header("traceparent", CLIENT_TRACEPARENT)
                .exchange().expectStatus().isUnauthorized().expectBody(String.class).returnResult().getResponseBody();

        assertThat(body).contains("\"trace_id\":\"" + CLIENT_TRACE_ID + "\"");
        assertThat(accessLogTraceId(output, "trace-problem-1")).isEqualTo(CLIENT_TRACE_ID);
        assertThat(upstream.findAll(getRequestedFor(urlPathEqualTo("/orders/1")))).isEmpty();
    }

    @Test
    void answersARequestRefusedBeforeRoutingWithATraceIdToo(CapturedOutput output) {
        String body = client.method(org.springframework.http.HttpMethod.valueOf("BREW")).uri("/api/users/me")
                .header("traceparent", CLIENT_TRACEPARENT)
                .exchange().expectStatus().isEqualTo(501).expectBody(String.class).returnResult().getResponseBody();

        assertThat(body).contains("\"trace_id\":\"" + CLIENT_TRACE_ID + "\"");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(output.getOut()).containsPattern("method=OTHER .* trace_id=" + CLIENT_TRACE_ID));
    }

    /** The trace id of the access-log line of the request with this id, once the asynchronous appender wrote it. */
    private static String accessLogTraceId(CapturedOutput output, String requestId) {
        Pattern line = Pattern.compile("request_id=" + Pattern.quote(requestId) + " .* trace_id=([0-9a-f]{32})");
        return await().atMost(Duration.ofSeconds(10)).until(() -> {
            Matcher matcher = line.matcher(output.getOut());
            return matcher.find() ? matcher.group(1) : null;
        }, id -> id != null);
    }

    private static LoggedRequest onlyRequestTo(String path) {
        List<LoggedRequest> requests = upstream.findAll(getRequestedFor(urlPathEqualTo(path)));
        assertThat(requests).hasSize(1);
        return requests.getFirst();
    }
}
