package dev.portcullis.gateway.web;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.gateway.support.GatewayIntegrationTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * A client's keep-alive connection keeps being served. Reactor Netty 1.3.7 stopped reading a connection for good when
 * a request that arrived while the previous one was still in flight was then answered at once (reactor-netty#4361): the
 * next request on that connection was never read, and no idle timeout reaped it. Found as 30-second hangs in the sample
 * services' tests; fixed by Reactor Netty 1.3.8, which the build pins. This is the sequence against the gateway.
 */
class KeepAliveIntegrationTest extends GatewayIntegrationTest {

    @Test
    void aConnectionIsStillReadAfterAPipelinedRequestIsAnsweredAtOnce() throws IOException {
        upstream.stubFor(get(urlEqualTo("/it/keep-alive/slow")).willReturn(okJson("{\"slow\":true}").withFixedDelay(100)));
        upstream.stubFor(get(urlEqualTo("/it/keep-alive/after")).willReturn(okJson("{\"after\":true}")));

        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(15_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            // Two requests in one write: the first waits 100 ms upstream, the second (no route) is answered at once.
            out.write((request("/it/keep-alive/slow") + request("/no-such-route")).getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            assertThat(readResponse(in)).startsWith("HTTP/1.1 200").contains("{\"slow\":true}");
            assertThat(readResponse(in)).startsWith("HTTP/1.1 404");

            out.write(request("/it/keep-alive/after").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            assertThat(readResponse(in)).startsWith("HTTP/1.1 200").contains("{\"after\":true}");
        }
        upstream.verify(1, getRequestedFor(urlEqualTo("/it/keep-alive/after")));
    }

    private String request(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: localhost:" + port + "\r\nAccept: application/json\r\n\r\n";
    }

    /** One whole response (head and a Content-Length or chunked body) from a connection that stays open. */
    private static String readResponse(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed after: " + head);
            }
            head.append((char) b);
        }
        String lowerHead = head.toString().toLowerCase(Locale.ROOT);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (lowerHead.contains("transfer-encoding: chunked")) {
            int size;
            while ((size = Integer.parseInt(readLine(in).split(";")[0].trim(), 16)) > 0) {
                body.write(in.readNBytes(size));
                readLine(in);
            }
            readLine(in);
        } else {
            int at = lowerHead.indexOf("content-length:");
            int length = at < 0 ? 0
                    : Integer.parseInt(lowerHead.substring(at + 15, lowerHead.indexOf("\r\n", at)).trim());
            body.write(in.readNBytes(length));
        }
        return head + body.toString(StandardCharsets.UTF_8);
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }
}
