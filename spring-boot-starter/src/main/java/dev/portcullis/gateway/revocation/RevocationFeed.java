package dev.portcullis.gateway.revocation;

import dev.portcullis.contract.RevocationKeys;
import dev.portcullis.contract.RevocationMessage;
import dev.portcullis.redis.RedisConnections;
import io.lettuce.core.KeyScanArgs;
import io.lettuce.core.ScanStream;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.net.SocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The feed that fills the local {@link RevocationSet} (so that an authenticated request needs no Redis round trip) and
 * tells {@link RevocationListener}s of every revocation: the {@code revocations} channel, its heartbeat and sequence
 * checks, and the resyncs that repair what a lost message or connection missed. In {@code lookup} mode there is no set
 * to fill (every request asks Redis): the feed runs for its listeners alone (open streams close on a revocation).
 *
 * <p>How it keeps docs/contract.md's promise that a revocation holds everywhere within one second:
 * <ol>
 *   <li>it subscribes to the {@code revocations} channel first, then reads every revocation key (SCAN), so no
 *       revocation falls between the two; it does the same again after every re-subscription (a reconnect may have
 *       lost messages) and every {@code resync-interval};</li>
 *   <li>it PINGs over the subscribed connection every {@code heartbeat-interval}. Redis answers on the same connection
 *       after any message published before the PING, so a fresh answer proves the subscription is alive;</li>
 *   <li>every revocation bumps {@code {revoked}:seq} in the same script that writes it and publishes its message
 *       ({@link dev.portcullis.contract.RevocationScript}), and the message carries the new value. The view tracks the
 *       highest sequence up to which it holds every revocation, and notices a missed message two ways: a message whose
 *       sequence jumps ({@code reason=jump}), and, for a message lost with nothing after it, one GET of the sequence
 *       per heartbeat: a value that no message has brought by the next heartbeat ({@code reason=silent}), or one
 *       lower than what it has seen, Redis having lost data ({@code reason=reset}). Each is logged, counted in
 *       {@code portcullis.revocation.view.gaps}, distrusts the view at once and resyncs it. A lost message is so
 *       enforced within two heartbeat intervals plus a resync (500 ms plus a SCAN by default);</li>
 *   <li>without a heartbeat answer or a sequence read for {@code stale-after} (one second), or before the first sync,
 *       or while a gap is being repaired, or when over its size bound, it says it is not {@link #isLive() live}, and
 *       the caller falls back to a Redis lookup — which fails closed when Redis is down.</li>
 * </ol>
 * Entries are dropped once the tokens they concern have expired ({@link RevocationSet#sweep}).
 *
 * <p>How the promise is watched: {@code portcullis.revocation.lag} times each message from the instant its issuer
 * decided the revocation (carried in the message) to its application here; {@code
 * portcullis.revocation.view.heartbeat.age.seconds} is the age of the last heartbeat answer or message on the subscription.
 * {@link RevocationListener}s are told of every revocation applied (open streams close on it).
 */
public final class RevocationFeed implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(RevocationFeed.class);
    private static final Duration SWEEP_INTERVAL = Duration.ofSeconds(10);
    private static final int SCAN_BATCH = 1000;
    /** No sequence known yet: nothing can be judged a gap before the first resync or message. */
    private static final long UNKNOWN_SEQUENCE = -1;
    private static final Duration[] LAG_BUCKETS = {Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
        Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
        Duration.ofMillis(800), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(10)};

    private final RedisConnections redis;
    private final RevocationProperties properties;
    private final Duration maxTokenLifetime;
    private final Duration clockSkew;
    private final Clock clock;
    /** The set this feed fills; null in {@code lookup} mode, where nothing reads one. */
    private final @Nullable RevocationSet set;
    private final AtomicBoolean synced = new AtomicBoolean();
    private final AtomicBoolean retryPending = new AtomicBoolean();
    /**
     * Bumped whenever the view is distrusted: a resync marks the view synced only if nothing distrusted it since the
     * resync began, or a resync begun before a gap would vouch for revocations it never read.
     */
    private final AtomicLong distrusts = new AtomicLong();
    /** Every revocation with a sequence up to this one is in the view (or in a SCAN under way). */
    private final AtomicLong appliedSequence = new AtomicLong(UNKNOWN_SEQUENCE);
    /** The sequence read from Redis at the last heartbeat; checked against {@link #appliedSequence} at the next. */
    private volatile long observedSequence = UNKNOWN_SEQUENCE;
    private final AtomicLong lastSequenceReadNanos = new AtomicLong(System.nanoTime() - Duration.ofDays(1).toNanos());
    private final Map<String, Counter> gaps;
    private final Timer lag;
    private final Counter lagUnmeasured;
    private final List<RevocationListener> listeners = new CopyOnWriteArrayList<>();
    /** Monotonic time of the last message: with the heartbeat, the age of the channel's last sign of life. */
    private final AtomicLong lastMessageNanos = new AtomicLong(System.nanoTime() - Duration.ofDays(1).toNanos());
    private final Counter subscriptionLost;
    private final MeterRegistry meters;
    /** Monotonic time of the last answered heartbeat: liveness is about elapsed time, not about the token clock. */
    private final AtomicLong lastHeartbeatNanos = new AtomicLong(System.nanoTime() - Duration.ofDays(1).toNanos());
    /** Replaced on every start: a disposed composite disposes whatever is added to it later. */
    private volatile Disposable.Composite tasks = Disposables.composite();
    private volatile StatefulRedisPubSubConnection<String, String> connection;
    private volatile boolean running;
    /** Told of every successful sequence read: proof that the {revoked} master answers (see {@link #onRedisAnswered}). */
    private volatile Runnable redisAnswered = () -> { };

    /** @param set the set to fill, or null in {@code lookup} mode (the feed then only tells its listeners) */
    public RevocationFeed(RedisConnections redis, RevocationProperties properties, @Nullable RevocationSet set,
                          Duration maxTokenLifetime, Duration clockSkew, Clock clock, MeterRegistry meters) {
        this.redis = redis;
        this.set = set;
        this.properties = properties;
        this.maxTokenLifetime = maxTokenLifetime;
        this.clockSkew = clockSkew;
        this.clock = clock;
        Map<String, Counter> counters = new HashMap<>();
        for (String reason : List.of("jump", "silent", "reset")) {
            counters.put(reason, Counter.builder("portcullis.revocation.view.gaps")
                    .description("Missed revocation messages noticed by the view, each answered with a resync")
                    .tag("reason", reason).register(meters));
        }
        this.gaps = Map.copyOf(counters);
        this.meters = meters;
        this.subscriptionLost = Counter.builder("portcullis.revocation.view.subscription.lost")
                .description("Times the revocation subscription dropped (the view is distrusted until it is back and resynced)")
                .register(meters);
        Gauge.builder("portcullis.revocation.view.sequence", appliedSequence, AtomicLong::get)
                .description("Revocation sequence up to which this view holds every revocation (compare with {revoked}:seq)")
                .register(meters);
        this.lag = Timer.builder("portcullis.revocation.lag")
                .description("From the instant a revocation was issued (carried in its message) to its application on this instance")
                // fixed buckets around the one-second promise: histogram_quantile() answers p99 against 0.8 s and 1 s
                .serviceLevelObjectives(LAG_BUCKETS)
                .register(meters);
        this.lagUnmeasured = Counter.builder("portcullis.revocation.lag.unmeasured")
                .description("Revocation messages applied without an issue instant (an issuer older than the lag metric)")
                .register(meters);
        Gauge.builder("portcullis.revocation.view.heartbeat.age.seconds", this, RevocationFeed::heartbeatAgeSeconds)
                .description("Seconds since the revocation subscription last answered a heartbeat or brought a message")
                .register(meters);
    }

    /** Told of every revocation applied, from the channel or a resync (see {@link RevocationListener}). */
    public void addListener(RevocationListener listener) {
        listeners.add(listener);
    }

    double heartbeatAgeSeconds() {
        long last = Math.max(lastHeartbeatNanos.get(), lastMessageNanos.get());
        return (System.nanoTime() - last) / 1e9;
    }

    /**
     * {@code listener} runs after every successful read of {@code {revoked}:seq}, once per heartbeat: the lookups'
     * circuit breaker uses it to close as soon as the node holding the revocation set answers again.
     */
    public void onRedisAnswered(Runnable listener) {
        this.redisAnswered = listener;
    }

    /** Whether the set may answer on its own (see the class comment); never in {@code lookup} mode, without a set. */
    public boolean isLive() {
        return set != null && isSubscriptionLive();
    }

    /**
     * Whether the subscription is synced and alive, with or without a set to fill: the
     * {@code portcullis.revocation.view.live} gauge, and what open streams rely on in {@code lookup} mode.
     */
    public boolean isSubscriptionLive() {
        StatefulRedisPubSubConnection<String, String> current = connection;
        return synced.get()
                && current != null && current.isOpen()
                && System.nanoTime() - lastHeartbeatNanos.get() <= properties.staleAfter().toNanos()
                && System.nanoTime() - lastSequenceReadNanos.get() <= properties.staleAfter().toNanos()
                && (set == null || set.tokenCount() <= properties.maxEntries());
    }

    /** The sequence up to which every revocation is in the view; -1 before the first sync. */
    public long appliedSequence() {
        return appliedSequence.get();
    }

    /** A message from the channel: applied, then its sequence checked for a gap. */
    void receive(RevocationMessage message) {
        lastMessageNanos.set(System.nanoTime());
        apply(message);
        if (message.issuedAtEpochMilli() == RevocationMessage.NO_ISSUE_INSTANT) {
            lagUnmeasured.increment();
        } else {
            // the issuer's clock against this instance's: a negative difference is clock drift, counted as no lag
            lag.record(Math.max(0, clock.millis() - message.issuedAtEpochMilli()), TimeUnit.MILLISECONDS);
        }
        long sequence = message.sequence();
        if (sequence == RevocationMessage.NO_SEQUENCE) {
            return; // an issuer older than sequences: applied, but it proves nothing about gaps
        }
        long previous = appliedSequence.getAndAccumulate(sequence, Math::max);
        if (previous != UNKNOWN_SEQUENCE && sequence > previous + 1) {
            missed("jump", previous, sequence);
        }
    }

    /**
     * A revocation this view never heard of: distrust the view at once (requests go to Redis, which has the key) and
     * read every key again. Failure policy: a gap is never waited out, it costs a resync.
     */
    private void missed(String reason, long applied, long redisSequence) {
        gaps.get(reason).increment();
        log.warn("event=revocation_gap reason={} applied_sequence={} redis_sequence={}", reason, applied, redisSequence);
        distrust();
        resync("gap_" + reason);
    }

    private void distrust() {
        distrusts.incrementAndGet();
        synced.set(false);
    }

    void apply(RevocationMessage message) {
        switch (message) {
            case RevocationMessage.TokenRevoked token -> {
                if (set != null) {
                    set.tokenRevoked(token.key(), token.expiresAtEpochMilli() + clockSkew.toMillis());
                }
                tellTokenRevoked(token.key());
            }
            case RevocationMessage.SubjectRevoked subject -> {
                if (set != null) {
                    set.subjectRevoked(subject.key(), subject.revokedAtEpochMilli());
                }
                tellSubjectRevoked(subject.key(), subject.revokedAtEpochMilli());
            }
        }
    }

    // A listener's failure must never cost the view a revocation: logged, and the next listener is told all the same.
    private void tellTokenRevoked(String key) {
        for (RevocationListener listener : listeners) {
            try {
                listener.tokenRevoked(key);
            } catch (RuntimeException e) {
                log.warn("event=revocation_listener_failed error=\"{}\"", e.toString());
            }
        }
    }

    private void tellSubjectRevoked(String key, long revokedAtEpochMilli) {
        for (RevocationListener listener : listeners) {
            try {
                listener.subjectRevoked(key, revokedAtEpochMilli);
            } catch (RuntimeException e) {
                log.warn("event=revocation_listener_failed error=\"{}\"", e.toString());
            }
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
                RevocationMessage.decode(message).ifPresentOrElse(RevocationFeed.this::receive,
                        () -> log.warn("event=revocation_message_ignored reason=unparseable"));
            }

            @Override
            public void subscribed(String channel, long count) {
                // First subscription or a re-subscription after a reconnect: messages may have been missed.
                distrust();
                resync("subscribed");
            }
        });
        connection = pubSub;
        // A dropped subscription may lose messages: distrust the view at once, not at the next heartbeat; the
        // re-subscription after the reconnect resyncs it. Only this connection's own events count: the client's other
        // connections (a dead node's, a topology refresh's) come and go without touching the subscription.
        // On a cluster the reconnect goes round the other nodes, so a lost node costs a reconnect, not an outage.
        pubSub.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> handler) {
                subscriptionLost.increment();
                log.warn("event=revocation_subscription_lost policy=distrust_view_until_resubscribed_and_resynced");
                distrust();
            }

            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> handler, SocketAddress node) {
                log.info("event=revocation_subscription_connected node={}", node);
                resync("reconnected");
            }
        });
        tasks.add(pubSub.reactive().subscribe(RevocationKeys.CHANNEL)
                .subscribe(null, error -> log.warn("event=revocation_subscribe_failed error=\"{}\"", error.getMessage())));
        tasks.add(Flux.interval(properties.heartbeatInterval())
                .onBackpressureDrop()
                .concatMap(tick -> Mono.when(heartbeat(), checkSequence()), 1)
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

    /**
     * One cheap GET of {@code {revoked}:seq} per heartbeat. A value read at the previous heartbeat that no message has
     * brought since was published without reaching this view (a message is delivered within milliseconds; a heartbeat
     * interval is 250 ms). A value below what the view has applied means Redis lost data.
     */
    private Mono<Void> checkSequence() {
        long applied = appliedSequence.get();
        long observed = observedSequence;
        if (synced.get() && observed > applied) {
            missed("silent", applied, observed);
        }
        return readSequence()
                .timeout(properties.staleAfter())
                .doOnNext(current -> {
                    lastSequenceReadNanos.set(System.nanoTime());
                    redisAnswered.run();
                    if (applied != UNKNOWN_SEQUENCE && current < applied) {
                        appliedSequence.set(current);
                        missed("reset", applied, current);
                    }
                    observedSequence = current;
                })
                // Redis trouble: no fresh read, so after stale-after the view stops answering and lookups (which fail
                // closed) take over
                .onErrorResume(error -> Mono.empty())
                .then();
    }

    private static Flux<String> scan(Mono<RedisClusterReactiveCommands<String, String>> node, String pattern) {
        return node.flatMapMany(commands -> ScanStream.scan(commands, KeyScanArgs.Builder.matches(pattern).limit(SCAN_BATCH)));
    }

    private Mono<Long> readSequence() {
        return redis.reactive().get(RevocationKeys.SEQUENCE_KEY).map(Long::parseLong).defaultIfEmpty(0L);
    }

    /**
     * Reads every revocation key. Subscribed first, so anything revoked meanwhile arrives as a message. The sequence is
     * read before the SCAN: every revocation up to it has its key by then, so the SCAN covers it.
     */
    void resync(String cause) {
        long started = clock.millis();
        long distrustsAtStart = distrusts.get();
        Mono<Long> baseline = readSequence().doOnNext(sequence -> appliedSequence.accumulateAndGet(sequence, Math::max));
        // Every revocation key shares the {revoked} hash tag: on a cluster they all live on the one master serving its
        // slot, so only that node is scanned (a cluster-wide SCAN would fail while any other master is down).
        Mono<RedisClusterReactiveCommands<String, String>> node = redis.onMasterOf(RevocationKeys.SEQUENCE_KEY);
        // other issuers' keys share one prefix: scanned once, then split by kind
        Flux<String> namespaced = scan(node, RevocationKeys.ISSUER_PREFIX + "*").cache();
        Mono<Long> tokens = scan(node, RevocationKeys.JTI_PREFIX + "*").concatWith(namespaced.filter(RevocationKeys::isJtiKey))
                .flatMap(key -> redis.reactive().pttl(key).doOnNext(ttl -> {
                    if (ttl != null && ttl != -2) {
                        long dropAt = ttl > 0 ? clock.millis() + ttl : clock.millis() + maxTokenLifetime.plus(clockSkew).toMillis();
                        if (set != null) {
                            set.tokenRevoked(key, dropAt);
                        }
                        tellTokenRevoked(key); // a resync may find what a lost message never brought
                    }
                }), 32)
                .count();
        Mono<Long> subjects = scan(node, RevocationKeys.SUBJECT_PREFIX + "*").concatWith(namespaced.filter(RevocationKeys::isSubjectKey))
                .flatMap(key -> redis.reactive().get(key).doOnNext(value -> {
                    long revokedAt;
                    try {
                        revokedAt = Long.parseLong(value.trim());
                    } catch (NumberFormatException e) {
                        // An unreadable marker still means a revoke-all: treat it as "everything until now".
                        revokedAt = clock.millis();
                    }
                    if (set != null) {
                        set.subjectRevoked(key, revokedAt);
                    }
                    tellSubjectRevoked(key, revokedAt);
                }), 32)
                .count();
        tasks.add(baseline.then(Mono.zip(tokens, subjects)).subscribe(
                counts -> {
                    if (distrusts.get() == distrustsAtStart) {
                        synced.set(true);
                    }
                    resyncs(cause, "synced").increment();
                    log.info("event=revocation_view_synced cause={} tokens={} subjects={} took_ms={}",
                            cause, counts.getT1(), counts.getT2(), clock.millis() - started);
                },
                error -> {
                    resyncs(cause, "failed").increment();
                    log.warn("event=revocation_view_sync_failed cause={} policy=lookups_until_synced retry_in_ms={} error=\"{}\"",
                            cause, properties.heartbeatInterval().toMillis(), error.getMessage());
                    // the sequence read before the SCAN vouched for keys the SCAN did not get to read
                    distrust();
                    // Failure policy: until a sync succeeds requests are checked against Redis directly (and fail
                    // closed when it cannot answer), so retry at the heartbeat's pace: after a fail-over the first
                    // retry that reaches the new master makes the view live again.
                    // One retry pending at a time, however many resyncs failed meanwhile.
                    if (running && retryPending.compareAndSet(false, true)) {
                        tasks.add(Mono.delay(properties.heartbeatInterval()).subscribe(tick -> {
                            retryPending.set(false);
                            resync("retry");
                        }));
                    }
                }));
    }

    private Counter resyncs(String cause, String outcome) {
        return Counter.builder("portcullis.revocation.view.resyncs")
                .description("Full re-reads of the revocation set, by what caused them and how they ended")
                .tag("cause", cause).tag("outcome", outcome).register(meters);
    }

    /** Forgets revocations of tokens that have expired anyway. */
    void sweep() {
        if (set != null) {
            set.sweep(clock.millis(), RevocationKeys.subjectKeyTtl(maxTokenLifetime, clockSkew).toMillis());
        }
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
