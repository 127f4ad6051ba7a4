package dev.portcullis.gateway.web;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.gateway.support.GatewayIntegrationTest;
import dev.portcullis.gateway.support.RawHttp;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
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
            OutputStream out = new BufferedOutputStream(socket.getOutputStream()); // one send per flush
            InputStream in = socket.getInputStream();
            // Two requests in one write: the first waits 100 ms upstream, the second (no route) is answered at once.
            out.write(RawHttp.request(port, "/it/keep-alive/slow"));
            out.write(RawHttp.request(port, "/no-such-route"));
            out.flush();
            RawHttp.Response slow = RawHttp.read(in);
            assertThat(slow.status()).isEqualTo(200);
            assertThat(slow.body()).isEqualTo("{\"slow\":true}");
            assertThat(RawHttp.read(in).status()).isEqualTo(404);

            out.write(RawHttp.request(port, "/it/keep-alive/after"));
            out.flush();
            RawHttp.Response after = RawHttp.read(in);
            assertThat(after.status()).isEqualTo(200);
            assertThat(after.body()).isEqualTo("{\"after\":true}");
        }
        upstream.verify(1, getRequestedFor(urlEqualTo("/it/keep-alive/after")));
    }
}
