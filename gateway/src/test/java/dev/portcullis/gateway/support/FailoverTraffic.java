package dev.portcullis.gateway.support;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

/**
 * Client threads calling every gateway instance in turn, each request with a token that must pass and one that must
 * never pass (revoked before the traffic starts), recording every answer with its time. A fail-over test starts it,
 * kills a Redis master, and reads from it the window of refused requests per instance and whether a revoked token
 * ever got through.
 */
public final class FailoverTraffic implements AutoCloseable {

    /** One answer: when it came (System.nanoTime), from which instance, for which token, with which status. */
    public record Answer(long atNanos, int instance, boolean revokedToken, int status) {
    }

    private final List<Integer> ports;
    private final String path;
    private final String goodToken;
    private final String revokedToken;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();

    private FailoverTraffic(List<Integer> ports, String path, String goodToken, String revokedToken) {
        this.ports = List.copyOf(ports);
        this.path = path;
        this.goodToken = goodToken;
        this.revokedToken = revokedToken;
    }

    /** Starts {@code threads} client threads against the gateway instances listening on {@code ports}. */
    public static FailoverTraffic start(int threads, List<Integer> ports, String path, String goodToken, String revokedToken) {
        FailoverTraffic traffic = new FailoverTraffic(ports, path, goodToken, revokedToken);
        for (int i = 0; i < threads; i++) {
            int offset = i;
            Thread thread = new Thread(() -> traffic.run(offset), "failover-client-" + i);
            thread.setDaemon(true);
            traffic.threads.add(thread);
            thread.start();
        }
        return traffic;
    }

    private void run(int offset) {
        long n = offset;
        while (running.get()) {
            int instance = (int) (n % ports.size());
            boolean revoked = (n / ports.size()) % 4 == 3; // one request in four carries the revoked token
            n++;
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + ports.get(instance) + path))
                    .header("Authorization", "Bearer " + (revoked ? revokedToken : goodToken))
                    .timeout(Duration.ofSeconds(5)).GET().build();
            int status;
            try {
                status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (java.io.IOException e) {
                status = -1; // no answer at all: counts as refused
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            answers.add(new Answer(System.nanoTime(), instance, revoked, status));
        }
    }

    public List<Answer> answers() {
        return List.copyOf(answers);
    }

    /** Answers to the revoked token that let it through (anything but 401, 503 or no answer). */
    public List<Answer> revokedTokenAccepted() {
        return answers().stream().filter(Answer::revokedToken).filter(a -> a.status() != 401 && a.status() != 503 && a.status() != -1)
                .toList();
    }

    /** Whether {@code instance} has answered the good token with 200 after {@code sinceNanos}. */
    public boolean servedSince(int instance, long sinceNanos) {
        return answers.stream().anyMatch(a -> a.instance() == instance && !a.revokedToken() && a.status() == 200
                && a.atNanos() > sinceNanos);
    }

    /** Answers of {@code instance} after {@code sinceNanos}. */
    public long answeredSince(int instance, long sinceNanos) {
        return answers.stream().filter(a -> a.instance() == instance && a.atNanos() > sinceNanos).count();
    }

    /** Time of the first refused (not 200) answer to the good token of {@code instance}, if any. */
    public OptionalLong firstRefused(int instance) {
        return refused(instance).mapToLong(Answer::atNanos).min();
    }

    /** Time of the last refused (not 200) answer to the good token of {@code instance}, if any. */
    public OptionalLong lastRefused(int instance) {
        return refused(instance).mapToLong(Answer::atNanos).max();
    }

    /** The window of refused requests, first to last, of {@code instance} (zero when none was refused). */
    public Duration refusedWindow(int instance) {
        OptionalLong first = firstRefused(instance);
        return first.isEmpty() ? Duration.ZERO : Duration.ofNanos(lastRefused(instance).getAsLong() - first.getAsLong());
    }

    /** How many answers to the good token of {@code instance} had each status. */
    public Map<Integer, Long> statuses(int instance) {
        return answers().stream().filter(a -> a.instance() == instance && !a.revokedToken())
                .collect(Collectors.groupingBy(Answer::status, java.util.TreeMap::new, Collectors.counting()));
    }

    private java.util.stream.Stream<Answer> refused(int instance) {
        return answers().stream().filter(a -> a.instance() == instance && !a.revokedToken() && a.status() != 200);
    }

    @Override
    public void close() {
        running.set(false);
        for (Thread thread : threads) {
            try {
                thread.join(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        http.close();
    }
}
