package dev.portcullis.e2e.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * One headless Chromium with a profile of its own (its own cookies, IndexedDB and keys: another device, as far as the
 * server can tell), driven through Debian's {@code chromium-driver}. Never a downloaded browser or driver: the binaries
 * come from {@code CHROMIUM_BIN} / {@code CHROMEDRIVER_BIN}, else {@code /usr/bin/chromium} and
 * {@code /usr/bin/chromedriver}. Where they are missing the browser tests are skipped with one line saying how to
 * install them, except in CI ({@code CI=true}), where they fail.
 */
public final class Browser implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String INSTALL_HINT = "Browser tests skipped: no Chromium here (install it with "
            + "`sudo apt-get install chromium chromium-driver`, or set CHROMIUM_BIN and CHROMEDRIVER_BIN)";
    private static boolean hintPrinted;

    private final ChromeDriver driver;
    private final Path profile;

    private Browser(ChromeDriver driver, Path profile) {
        this.driver = driver;
        this.profile = profile;
    }

    /** A new browser; skips the calling test (fails it in CI) when no Chromium is installed. */
    public static Browser start() {
        Path chromium = binary("CHROMIUM_BIN", "/usr/bin/chromium", "/usr/bin/chromium-browser");
        Path chromedriver = binary("CHROMEDRIVER_BIN", "/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver");
        if (chromium == null || chromedriver == null) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new IllegalStateException("CI=true and no Chromium: .ci/run installs chromium and chromium-driver "
                        + "with apt-get; set CHROMIUM_BIN and CHROMEDRIVER_BIN if they live elsewhere");
            }
            synchronized (Browser.class) {
                if (!hintPrinted) {
                    System.err.println(INSTALL_HINT);
                    hintPrinted = true;
                }
            }
            Assumptions.abort(INSTALL_HINT);
        }
        Path profile;
        try {
            profile = Files.createTempDirectory("portcullis-chromium");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,1000", "--user-data-dir=" + profile);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        // the network log: what an observer of the traffic (a proxy, a log, a thief) sees of each request
        logs.enable(LogType.PERFORMANCE, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(chromedriver.toFile())
                .usingAnyFreePort().build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
        return new Browser(driver, profile);
    }

    private static Path binary(String variable, String... defaults) {
        List<String> candidates = new ArrayList<>();
        String configured = System.getenv(variable);
        if (configured != null && !configured.isBlank()) {
            candidates.add(configured);
        }
        candidates.addAll(List.of(defaults));
        return candidates.stream().map(Path::of).filter(Files::isExecutable).findFirst().orElse(null);
    }

    /**
     * Every request of this browser names {@code address} in {@code X-Forwarded-For}: the test plays the load balancer,
     * as {@link Client} does, so that per-client limits of logins and refreshes apply to this browser alone.
     */
    public Browser asClient(String address) {
        driver.executeCdpCommand("Network.enable", Map.of());
        driver.executeCdpCommand("Network.setExtraHTTPHeaders", Map.of("headers", Map.of("X-Forwarded-For", address)));
        return this;
    }

    public ChromeDriver driver() {
        return driver;
    }

    public void open(String url) {
        driver.get(url);
    }

    public WebElement find(String id) {
        return driver.findElement(By.id(id));
    }

    public String text(String id) {
        return find(id).getText();
    }

    public void type(String id, String value) {
        WebElement element = find(id);
        element.clear();
        element.sendKeys(value);
    }

    public void click(String id) {
        find(id).click();
    }

    public Object script(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    /** Runs an async script: its last argument is the callback (Selenium's executeAsyncScript). */
    public Object asyncScript(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeAsyncScript(script, args);
    }

    public WebDriverWait waiting(Duration timeout) {
        return new WebDriverWait(driver, timeout, Duration.ofMillis(100));
    }

    public byte[] screenshot() {
        return driver.getScreenshotAs(OutputType.BYTES);
    }

    public byte[] screenshot(String id) {
        return find(id).getScreenshotAs(OutputType.BYTES);
    }

    /** The console messages the page logged (errors include Content-Security-Policy violations). */
    public List<String> consoleMessages() {
        return driver.manage().logs().get(LogType.BROWSER).getAll().stream().map(LogEntry::getMessage).toList();
    }

    /**
     * What the network saw since the last call (Chromium's performance log, which each call drains): one map per
     * request sent (its headers, {@code :url}) and per response received ({@code :url}, {@code :status}).
     */
    public List<Map<String, String>> traffic() {
        List<Map<String, String>> events = new ArrayList<>();
        for (LogEntry entry : driver.manage().logs().get(LogType.PERFORMANCE).getAll()) {
            JsonNode message = JSON.readTree(entry.getMessage()).path("message");
            String method = message.path("method").asString("");
            JsonNode params = message.path("params");
            Map<String, String> event = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            if (method.equals("Network.requestWillBeSent")) {
                params.path("request").path("headers").properties()
                        .forEach(header -> event.put(header.getKey(), header.getValue().asString("")));
                event.put(":url", params.path("request").path("url").asString(""));
            } else if (method.equals("Network.responseReceived")) {
                event.put(":url", params.path("response").path("url").asString(""));
                event.put(":status", params.path("response").path("status").asString(""));
            } else {
                continue;
            }
            events.add(event);
        }
        return events;
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException ignored) {
                // a temp directory left behind is harmless
            }
        }
    }
}
