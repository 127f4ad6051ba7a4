package dev.portcullis.gateway.streams;

import dev.portcullis.contract.RevocationKeys;
import dev.portcullis.gateway.revocation.RevocationChecker;
import dev.portcullis.gateway.revocation.RevocationListener;
import dev.portcullis.gateway.revocation.RevocationStatus;
import dev.portcullis.gateway.token.VerifiedToken;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * The open streams of this instance (WebSocket sessions and SSE responses of authenticated routes), each with the
 * token that opened it, so that a stream ends with its token:
 * <ul>
 *   <li>at the token's {@code exp} plus its issuer's clock skew (the verifier's own grace), checked every
 *       {@code portcullis.streams.expiry-check-interval} against the edge's clock;</li>
 *   <li>when the token or its user is revoked: the revocation view tells this registry of every revocation it applies,
 *       from the channel or a resync ({@link RevocationListener}), so a stream closes within the same second as a
 *       request would be refused. A revocation that lands between the upgrade's check and the registration is caught
 *       by one more check right after registering.</li>
 * </ul>
 * Bounded by {@code portcullis.streams.max-open}: failure policy, a stream beyond the bound is closed at once rather
 * than left open with nothing to end it when its token does. Entries leave when their stream ends, however it ends.
 * Meters: {@code portcullis.streams.open} (gauge, by kind) and {@code portcullis.streams.closed} (by kind and cause).
 */
public final class OpenStreams implements RevocationListener, SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(OpenStreams.class);

    /** What kind of stream; the {@code kind} tag. */
    public enum Kind {
        WEBSOCKET("websocket"), SSE("sse");

        private final String tag;

        Kind(String tag) {
            this.tag = tag;
        }
    }

    private final StreamProperties properties;
    private final RevocationChecker revocation;
    private final Function<String, Duration> clockSkewOfIssuer;
    private final Clock clock;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, Stream> open = new ConcurrentHashMap<>();
    /** Revocation key (the token's and its subject's) -> the open streams it would close. */
    private final Map<String, Set<Stream>> byKey = new ConcurrentHashMap<>();
    private final AtomicInteger size = new AtomicInteger();
    private final Map<Kind, AtomicInteger> openByKind = new EnumMap<>(Kind.class);
    private final Map<Kind, Map<StreamCloseCause, Counter>> closed = new EnumMap<>(Kind.class);
    private volatile Disposable expiryChecks;

    /**
     * @param revocation        checks a stream's token once more right after it is registered
     * @param clockSkewOfIssuer the clock skew of the issuer with that id
     */
    public OpenStreams(StreamProperties properties, RevocationChecker revocation, Function<String, Duration> clockSkewOfIssuer,
                       Clock clock, MeterRegistry meters) {
        this.properties = properties;
        this.revocation = revocation;
        this.clockSkewOfIssuer = clockSkewOfIssuer;
        this.clock = clock;
        for (Kind kind : Kind.values()) {
            AtomicInteger count = new AtomicInteger();
            openByKind.put(kind, count);
            Gauge.builder("portcullis.streams.open", count, AtomicInteger::get)
                    .description("Open WebSocket sessions and SSE streams that end with their token")
                    .tag("kind", kind.tag).register(meters);
            Map<StreamCloseCause, Counter> byCause = new EnumMap<>(StreamCloseCause.class);
            for (StreamCloseCause cause : StreamCloseCause.values()) {
                byCause.put(cause, Counter.builder("portcullis.streams.closed")
                        .description("Streams ended, by why: expired and revoked are the gateway's doing")
                        .tag("kind", kind.tag).tag("cause", cause.tag()).register(meters));
            }
            closed.put(kind, byCause);
        }
    }

    /**
     * Registers a stream of {@code token}; {@code closer} ends it (once) when the gateway does. Answers null, and
     * counts {@code cause=capacity}, when the bound is reached: the caller then ends the stream at once.
     */
    public Stream open(Kind kind, VerifiedToken token, Consumer<StreamCloseCause> closer) {
        if (size.incrementAndGet() > properties.maxOpen()) {
            size.decrementAndGet();
            closed.get(kind).get(StreamCloseCause.CAPACITY).increment();
            log.warn("event=stream_refused reason=capacity max_open={} user={}", properties.maxOpen(), token.subject());
            return null;
        }
        long closeAt = token.expiresAt().plus(clockSkewOfIssuer.apply(token.issuer())).toEpochMilli();
        Stream stream = new Stream(ids.incrementAndGet(), kind, token, closeAt, closer);
        open.put(stream.id, stream);
        openByKind.get(kind).incrementAndGet();
        index(token.revokedTokenKey(), stream);
        index(token.revokedSubjectKey(), stream);
        if (clock.millis() >= closeAt) {
            stream.close(StreamCloseCause.EXPIRED);
            return stream;
        }
        // A revocation applied after the upgrade's own check but before the index had this stream told nobody.
        revocation.check(token).subscribe(status -> {
            if (status == RevocationStatus.REVOKED_TOKEN || status == RevocationStatus.REVOKED_SUBJECT) {
                stream.close(StreamCloseCause.REVOKED);
            }
        }, error -> log.warn("event=stream_revocation_recheck_failed error=\"{}\"", error.toString()));
        return stream;
    }

    private void index(String key, Stream stream) {
        if (key != null) {
            byKey.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet()).add(stream);
        }
    }

    private void unindex(String key, Stream stream) {
        if (key != null) {
            byKey.computeIfPresent(key, (k, streams) -> {
                streams.remove(stream);
                return streams.isEmpty() ? null : streams;
            });
        }
    }

    public int size() {
        return size.get();
    }

    @Override
    public void tokenRevoked(String key) {
        Set<Stream> streams = byKey.get(key);
        if (streams != null) {
            for (Stream stream : streams) {
                if (key.equals(stream.token.revokedTokenKey())) {
                    stream.close(StreamCloseCause.REVOKED);
                }
            }
        }
    }

    @Override
    public void subjectRevoked(String key, long revokedAtEpochMilli) {
        Set<Stream> streams = byKey.get(key);
        if (streams != null) {
            for (Stream stream : streams) {
                if (key.equals(stream.token.revokedSubjectKey())
                        && RevocationKeys.issuedBeforeRevokeAll(stream.token.issuedAtEpochSecond(), revokedAtEpochMilli)) {
                    stream.close(StreamCloseCause.REVOKED);
                }
            }
        }
    }

    /** Closes every stream whose token has passed {@code exp} plus its issuer's skew. */
    void closeExpired() {
        long now = clock.millis();
        for (Stream stream : open.values()) {
            if (now >= stream.closeAtEpochMilli) {
                stream.close(StreamCloseCause.EXPIRED);
            }
        }
    }

    @Override
    public void start() {
        expiryChecks = Flux.interval(properties.expiryCheckInterval())
                .onBackpressureDrop()
                .subscribe(tick -> closeExpired());
    }

    @Override
    public void stop() {
        Disposable checks = expiryChecks;
        if (checks != null) {
            checks.dispose();
        }
        expiryChecks = null;
    }

    @Override
    public boolean isRunning() {
        return expiryChecks != null;
    }

    /** One open stream; leaves the registry on its first end, whatever the cause. */
    public final class Stream {

        private final long id;
        private final Kind kind;
        private final VerifiedToken token;
        private final long closeAtEpochMilli;
        private final Consumer<StreamCloseCause> closer;
        private final AtomicBoolean done = new AtomicBoolean();

        private Stream(long id, Kind kind, VerifiedToken token, long closeAtEpochMilli, Consumer<StreamCloseCause> closer) {
            this.id = id;
            this.kind = kind;
            this.token = token;
            this.closeAtEpochMilli = closeAtEpochMilli;
            this.closer = closer;
        }

        /** The gateway ends the stream. */
        void close(StreamCloseCause cause) {
            if (forget(cause)) {
                log.info("event=stream_closed kind={} cause={} user={}", kind.tag, cause.tag(), token.subject());
                try {
                    closer.accept(cause);
                } catch (RuntimeException e) {
                    log.warn("event=stream_close_failed kind={} error=\"{}\"", kind.tag, e.toString());
                }
            }
        }

        /** The stream ended by itself (client, upstream or network); nothing to close. */
        public void ended() {
            forget(StreamCloseCause.ENDED);
        }

        private boolean forget(StreamCloseCause cause) {
            if (!done.compareAndSet(false, true)) {
                return false;
            }
            open.remove(id);
            unindex(token.revokedTokenKey(), this);
            unindex(token.revokedSubjectKey(), this);
            openByKind.get(kind).decrementAndGet();
            size.decrementAndGet();
            closed.get(kind).get(cause).increment();
            return true;
        }
    }
}
