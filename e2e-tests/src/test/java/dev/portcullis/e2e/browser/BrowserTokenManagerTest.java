package dev.portcullis.e2e.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.portcullis.e2e.support.Browser;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

/**
 * The token manager's unit tests (src/test/resources/browser/token-manager-tests.js), run in headless Chromium: the
 * real fetch, WebCrypto, IndexedDB and BroadcastChannel, a fake server. The page and the manager's files (from the
 * web-client jar, as the user-service serves them) come from a small HTTP server of the test's own: the tests need no
 * stack, and the test page is never shipped. Each JavaScript test becomes one JUnit test.
 */
@Tag("browser")
class BrowserTokenManagerTest {

    private static HttpServer server;

    @BeforeAll
    static void serveThePages() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            String resource = path.startsWith("/app/") ? "META-INF/resources" + path
                    : path.startsWith("/test/") ? "browser/" + path.substring("/test/".length()) : null;
            try (exchange; InputStream in = resource == null || resource.contains("..") ? null
                    : BrowserTokenManagerTest.class.getClassLoader().getResourceAsStream(resource)) {
                if (in == null) {
                    exchange.sendResponseHeaders(404, -1);
                    return;
                }
                byte[] body = in.readAllBytes();
                exchange.getResponseHeaders().set("Content-Type", path.endsWith(".js") ? "text/javascript" : "text/html");
                exchange.getResponseHeaders().set("Cache-Control", "no-store");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        server.start();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    @TestFactory
    Stream<DynamicTest> tokenManagerUnitTestsPassInTheBrowser() {
        List<Map<String, Object>> results;
        try (Browser browser = Browser.start()) {
            // localhost, not 127.0.0.1: a secure context by name, as WebCrypto requires outside https
            browser.open("http://localhost:" + server.getAddress().getPort() + "/test/token-manager-tests.html");
            browser.waiting(Duration.ofSeconds(60)).until(driver -> browser.script("return window.testResults != null"));
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> read = (List<Map<String, Object>>) browser.script("return window.testResults");
            results = read;
        }
        assertThat(results).as("the page's tests").hasSizeGreaterThanOrEqualTo(20);
        return results.stream().map(result -> DynamicTest.dynamicTest(String.valueOf(result.get("name")),
                () -> assertThat(result.get("ok")).as("%s", result.get("error")).isEqualTo(true)));
    }
}
