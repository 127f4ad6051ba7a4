package dev.portcullis.e2e.browser;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.e2e.support.Browser;
import dev.portcullis.e2e.support.Gateway;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.openqa.selenium.By;

/** The demo page at {@code /app/} in one browser, as a person uses it: what the browser tests click and read. */
final class DemoApp implements AutoCloseable {

    static final Duration UI_TIMEOUT = Duration.ofSeconds(20);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Browser browser;
    private final String url;

    private DemoApp(Browser browser, String url) {
        this.browser = browser;
        this.url = url;
    }

    /** A new browser (another device) on a client address of its own, with the page open. */
    static DemoApp open(Gateway gateway, String query) {
        Browser browser = Browser.start();
        DemoApp app = new DemoApp(browser.asClient(gateway.newClient().address()), gateway.url() + "/app/" + query);
        app.load();
        return app;
    }

    Browser browser() {
        return browser;
    }

    /** (Re)loads the page and waits until it knows whether a session lives. */
    void load() {
        browser.open(url);
        awaitReady();
    }

    void awaitReady() {
        browser.waiting(UI_TIMEOUT).until(driver -> "true".equals(browser.script("return document.body.dataset.ready")));
    }

    void signIn(String username, String password) {
        browser.type("username", username);
        browser.type("password", password);
        browser.click("login");
        awaitSignedIn();
    }

    void awaitSignedIn() {
        browser.waiting(UI_TIMEOUT).until(driver -> browser.find("session").isDisplayed());
    }

    void awaitSignedOut() {
        browser.waiting(UI_TIMEOUT).until(driver -> browser.find("signin").isDisplayed());
    }

    boolean signedIn() {
        return browser.find("session").isDisplayed();
    }

    /** Clicks a button and waits until the result area shows an answer with a status. */
    String call(String button) {
        browser.script("delete document.getElementById('result').dataset.status");
        browser.click(button);
        browser.waiting(UI_TIMEOUT).until(driver -> browser.script("return document.getElementById('result').dataset.status") != null);
        return resultStatus();
    }

    String resultStatus() {
        return (String) browser.script("return document.getElementById('result').dataset.status");
    }

    String result() {
        return (String) browser.script("return document.getElementById('result').textContent");
    }

    String status() {
        return browser.text("status");
    }

    int refreshCount() {
        // textContent: the element is hidden (no text for WebDriver) until a session is shown
        return Integer.parseInt((String) browser.script("return document.getElementById('refresh-count').textContent"));
    }

    String tokenType() {
        return (String) browser.script("return document.getElementById('token-type').dataset.type");
    }

    String claims() {
        return (String) browser.script("return document.getElementById('claims').textContent");
    }

    String amr() {
        return browser.text("amr");
    }

    /**
     * What the network saw of the requests to URLs containing {@code path} since the last call: the distinct
     * Authorization headers sent (the access tokens, as an observer of the traffic sees them) and the statuses answered.
     */
    Traffic traffic(String path) {
        List<Map<String, String>> events = browser.traffic().stream()
                .filter(event -> event.getOrDefault(":url", "").contains(path)).toList();
        return new Traffic(events.stream().filter(event -> event.containsKey("Authorization"))
                .map(event -> event.get("Authorization")).distinct().toList(),
                events.stream().filter(event -> event.containsKey(":status")).map(event -> event.get(":status")).toList());
    }

    record Traffic(List<String> authorizations, List<String> statuses) {
    }

    /** A CSP violation or script error the page logged, if any. */
    List<String> consoleErrors() {
        return browser.consoleMessages().stream()
                .filter(message -> message.contains("Content Security Policy") || message.contains("Uncaught")).toList();
    }

    Path screenshot(String name) {
        return save(name, browser.screenshot());
    }

    byte[] screenshotOf(String id) {
        browser.script("arguments[0].scrollIntoView()", browser.find(id));
        return browser.screenshot(id);
    }

    static Path save(String name, byte[] png) {
        Path dir = Path.of(System.getProperty("portcullis.e2e.artifacts", "target/browser"));
        try {
            Files.createDirectories(dir);
            return Files.write(dir.resolve(name), png);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One counter of the auth service's {@code /actuator/prometheus}, e.g. refreshes with outcome success. */
    static double authCounter(Gateway gateway, String name, String outcome) {
        String scrape;
        try {
            scrape = HTTP.send(HttpRequest.newBuilder(URI.create(gateway.managementUrls().get("auth-service")
                    + "/actuator/prometheus")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        List<String> series = scrape.lines().filter(line -> line.startsWith(name + "{")).toList();
        if (series.isEmpty()) {
            throw new IllegalStateException("no series " + name + " on the auth service's /actuator/prometheus");
        }
        return series.stream().filter(line -> line.contains("outcome=\"" + outcome + "\""))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1).strip())).sum();
    }

    /** The query string of the otpauth:// URI, as a map. */
    static Map<String, String> otpauthParameters(String uri) {
        assertThat(uri).startsWith("otpauth://totp/");
        Map<String, String> parameters = new java.util.LinkedHashMap<>();
        for (String pair : URI.create(uri).getRawQuery().split("&")) {
            String[] kv = pair.split("=", 2);
            parameters.put(kv[0], java.net.URLDecoder.decode(kv.length > 1 ? kv[1] : "", java.nio.charset.StandardCharsets.UTF_8));
        }
        return parameters;
    }

    boolean displayed(String id) {
        return !browser.driver().findElements(By.id(id)).isEmpty() && browser.find(id).isDisplayed();
    }

    @Override
    public void close() {
        browser.close();
    }
}
