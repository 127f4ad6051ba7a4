package dev.portcullis.gateway.revocation;

import dev.portcullis.contract.RevocationKeys;
import dev.portcullis.contract.RevocationMessage;
import dev.portcullis.gateway.security.VerifiedToken;
import dev.portcullis.redis.RedisConnections;
import io.lettuce.core.KeyScanArgs;
import io.lettuce.core.ScanStream;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A local copy of the revocation set, so that an authenticated request needs no Redis round trip.
 *
 * <p>How it keeps DESIGN.md's promise that a revocation holds everywhere within one second:
 * <ol>
 *   <li>it subscribes to the {@code revocations} channel first, then reads every {@code revoked:*} key (SCAN), so no
 *       revocation falls between the two; it does the same again after every re-subscription (a reconnect may have
 *       lost messages) and every {@code resync-interval};</li>
 *   <li>it PINGs over the subscribed connection every {@code heartbeat-interval}. Redis answers on the same connection
 *       after any message published before the PING, so a fresh answer proves every earlier revocation has been
 *       applied;</li>
 *   <li>without a heartbeat answer for {@code stale-after} (one second), or before the first sync, or when over its
 *       size bound, it says it is not {@link #isLive() live}, and the caller falls back to a Redis lookup — which fails
 *       closed when Redis is down.</li>
 * </ol>
 * Entries are dropped once the tokens they concern have expired, so the view holds at most the revocations of one
 * token lifetime.
 */
public final class RevocationView implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(RevocationView.class);
    private static final Duration SWEEP_INTERVAL = Duration.ofSeconds(10);
    private static final int SCAN_BATCH = 1000;
    private static final Duration RESYNC_RETRY = Duration.ofSeconds(1);

    private final RedisConnections redis;
    private final RevocationProperties properties;
    private final Duration maxTokenLifetime;
    private final Duration clockSkew;
    private final Clock clock;
    /** jti -> epoch ms after which the entry can be forgotten (token expiry + skew). */
    private final Map<String, Long> revokedTokens = new ConcurrentHashMap<>();
    /** sub -> revoke-all instant, epoch ms. */
    private final Map<String, Long> revokedSubjects = new ConcurrentHashMap<>();
    private final AtomicBoolean synced = new AtomicBoolean();
    /** Monotonic time of the last answered heartbeat: liveness is about elapsed time, not about the token clock. */
    private final AtomicLong lastHeartbeatNanos = new AtomicLong(System.nanoTime() - Duration.ofDays(1).toNanos());
    /** Replaced on every start: a disposed composite disposes whatever is added to it later. */
    private volatile Disposable.Composite tasks = Disposables.composite();
    private volatile StatefulRedisPubSubConnection<String, String> connection;
    private volatile boolean running;

    public RevocationView(RedisConnections redis, RevocationProperties properties, Duration maxTokenLifetime,
                          Duration clockSkew, Clock clock) {
        this.redis = redis;
        this.properties = properties;
        this.maxTokenLifetime = maxTokenLifetime;
        this.clockSkew = clockSkew;
        this.clock = clock;
    }

    /** Whether the view may answer on its own (see the class comment). */
    public boolean isLive() {
        StatefulRedisPubSubConnection<String, String> current = connection;
        return synced.get()
                && current != null && current.isOpen()
                && System.nanoTime() - lastHeartbeatNanos.get() <= properties.staleAfter().toNanos()
                && revokedTokens.size() <= properties.maxEntries();
    }

    /** Answers from memory; only meaningful while {@link #isLive()}. */
    public RevocationStatus statusOf(VerifiedToken token) {
        if (revokedTokens.containsKey(token.tokenId())) {
            return RevocationStatus.REVOKED_TOKEN;
        }
        Long revokedAt = revokedSubjects.get(token.subject());
        if (revokedAt != null && RevocationKeys.issuedBeforeRevokeAll(token.issuedAtEpochSecond(), revokedAt)) {
            return RevocationStatus.REVOKED_SUBJECT;
        }
        return RevocationStatus.ACTIVE;
    }

    public int size() {
        return revokedTokens.size() + revokedSubjects.size();
    }

    void apply(RevocationMessage message) {
        switch (message) {
            case RevocationMessage.TokenRevoked token ->
                    revokedTokens.merge(token.jti(), token.expiresAtEpochMilli() + clockSkew.toMillis(), Math::max);
            case RevocationMessage.SubjectRevoked subject ->
                    revokedSubjects.merge(subject.subject(), subject.revokedAtEpochMilli(), Math::max);
        }
    }

    @Override
    public void start() {
        running = true;
        tasks = Disposables.composite();
        StatefulRedisPubSubConnection<String, String> pubSub = redis.connectPubSub();
        pubSub.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
                RevocationMessage.decode(message).ifPresentOrElse(RevocationView.this::apply,
                        () -> log.warn("event=revocation_message_ignored reason=unparseable"));
            }

            @Override
            public void subscribed(String channel, long count) {
                // First subscription or a re-subscription after a reconnect: messages may have been missed.
                synced.set(false);
                resync("subscribed");
            }
        });
        connection = pubSub;
        // A dropped connection may lose messages: distrust the view at once, not at the next heartbeat; the
        // re-subscription after the reconnect resyncs it.
        // Events of either connection (commands or pub/sub) may arrive in any order: a disconnect distrusts the
        // view, a (re)connect resyncs it; the re-subscription resyncs again, so nothing published in between is lost.
        tasks.add(pubSub.getResources().eventBus().get()
                .subscribe(event -> {
                    if (event instanceof io.lettuce.core.event.connection.DisconnectedEvent) {
                        synced.set(false);
                    } else if (event instanceof io.lettuce.core.event.connection.ConnectionActivatedEvent) {
                        resync("reconnected");
                    }
                }));
        tasks.add(pubSub.reactive().subscribe(RevocationKeys.CHANNEL)
                .subscribe(null, error -> log.warn("event=revocation_subscribe_failed error=\"{}\"", error.getMessage())));
        tasks.add(Flux.interval(properties.heartbeatInterval())
                .onBackpressureDrop()
                .concatMap(tick -> heartbeat(), 1)
                .subscribe());
        tasks.add(Flux.interval(properties.resyncInterval()).subscribe(tick -> resync("periodic")));
        tasks.add(Flux.interval(SWEEP_INTERVAL).subscribe(tick -> sweep()));
    }

    private Mono<Void> heartbeat() {
        StatefulRedisPubSubConnection<String, String> current = connection;
        if (current == null || !current.isOpen()) {
            return Mono.empty();
        }
        return current.reactive().ping()
                .timeout(properties.staleAfter())
                .doOnNext(pong -> lastHeartbeatNanos.set(System.nanoTime()))
                .onErrorResume(error -> Mono.empty())
                .then();
    }

    /** Reads every revocation key. Subscribed first, so anything revoked meanwhile arrives as a message. */
    void resync(String cause) {
        long started = clock.millis();
        Mono<Long> tokens = ScanStream.scan(redis.reactive(), KeyScanArgs.Builder.matches(RevocationKeys.JTI_PREFIX + "*").limit(SCAN_BATCH))
                .flatMap(key -> redis.reactive().pttl(key).doOnNext(ttl -> {
                    if (ttl != null && ttl != -2) {
                        long dropAt = ttl > 0 ? clock.millis() + ttl : clock.millis() + maxTokenLifetime.plus(clockSkew).toMillis();
                        revokedTokens.merge(key.substring(RevocationKeys.JTI_PREFIX.length()), dropAt, Math::max);
                    }
                }), 32)
                .count();
        Mono<Long> subjects = ScanStream.scan(redis.reactive(), KeyScanArgs.Builder.matches(RevocationKeys.SUBJECT_PREFIX + "*").limit(SCAN_BATCH))
                .flatMap(key -> redis.reactive().get(key).doOnNext(value -> {
                    String subject = key.substring(RevocationKeys.SUBJECT_PREFIX.length());
                    try {
                        revokedSubjects.merge(subject, Long.parseLong(value.trim()), Math::max);
                    } catch (NumberFormatException e) {
                        // An unreadable marker still means a revoke-all: treat it as "everything until now".
                        revokedSubjects.merge(subject, clock.millis(), Math::max);
                    }
                }), 32)
                .count();
        tasks.add(Mono.zip(tokens, subjects).subscribe(
                counts -> {
                    synced.set(true);
                    log.info("event=revocation_view_synced cause={} tokens={} subjects={} took_ms={}",
                            cause, counts.getT1(), counts.getT2(), clock.millis() - started);
                },
                error -> {
                    log.warn("event=revocation_view_sync_failed cause={} error=\"{}\"", cause, error.getMessage());
                    // try again soon: until a sync succeeds the gateway pays a Redis lookup per request
                    if (running) {
                        tasks.add(Mono.delay(RESYNC_RETRY).subscribe(tick -> resync("retry")));
                    }
                }));
    }

    /** Forgets revocations of tokens that have expired anyway. */
    void sweep() {
        long now = clock.millis();
        revokedTokens.values().removeIf(dropAt -> dropAt < now);
        long subjectTtl = RevocationKeys.subjectKeyTtl(maxTokenLifetime, clockSkew).toMillis();
        revokedSubjects.values().removeIf(revokedAt -> revokedAt + subjectTtl < now);
    }

    @Override
    public void stop() {
        running = false;
        synced.set(false);
        tasks.dispose();
        StatefulRedisPubSubConnection<String, String> current = connection;
        if (current != null) {
            current.close();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
