package dev.portcullis.gateway.keys;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSetBasedJWKSource;
import com.nimbusds.jose.jwk.source.JWKSetCacheRefreshEvaluator;
import com.nimbusds.jose.jwk.source.JWKSetSource;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import dev.portcullis.gateway.security.JwtProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.MalformedURLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The auth service's public keys, as the only source of verification keys.
 *
 * <p>nimbus' {@link JWKSourceBuilder} does the fetching: a cache with refresh-ahead, at most two refetches per
 * {@code min-refetch-interval} however many unknown kids arrive, retry, and outage tolerance (the last good set keeps
 * serving while the endpoint is down). Its URL fetch blocks, so it only ever runs on {@code boundedElastic}; the event
 * loop reads an immutable {@link KeySnapshot} and never waits. Concurrent misses share one fetch.
 */
public final class JwksKeyStore implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(JwksKeyStore.class);
    private static final Duration TICK = Duration.ofSeconds(1);

    private final JWKSetSource<SecurityContext> source;
    /** Used only while no set was ever loaded and the main source is rate-limited: a late auth service is picked up in seconds. */
    private final JWKSetSource<SecurityContext> bootstrap;
    private final Set<JWSAlgorithm> allowed;
    private final Clock clock;
    private final Duration outageTolerance;
    private final Duration pollInterval;
    private final AtomicReference<KeySnapshot> snapshot = new AtomicReference<>(KeySnapshot.EMPTY);
    private final AtomicReference<Mono<KeySnapshot>> inFlight = new AtomicReference<>();
    private final Counter refetchRateLimited;
    private volatile long lastPollMillis = Long.MIN_VALUE;
    private volatile Disposable poller;

    public JwksKeyStore(JwtProperties properties, Clock clock, MeterRegistry meters) {
        this.allowed = properties.algorithms().stream().map(JWSAlgorithm::parse).collect(Collectors.toUnmodifiableSet());
        this.clock = clock;
        this.outageTolerance = properties.jwks().outageTolerance();
        this.pollInterval = properties.jwks().pollInterval();
        this.refetchRateLimited = Counter.builder("portcullis.jwks.fetches").tag("outcome", "rate_limited")
                .description("JWKS fetches by outcome").register(meters);
        JwtProperties.Jwks jwks = properties.jwks();
        var retriever = new CountingResourceRetriever(new DefaultResourceRetriever(
                (int) jwks.connectTimeout().toMillis(), (int) jwks.readTimeout().toMillis(), 256 * 1024), meters);
        JWKSource<SecurityContext> built;
        JWKSource<SecurityContext> bootstrapBuilt;
        try {
            bootstrapBuilt = JWKSourceBuilder.<SecurityContext>create(properties.jwksUri().toURL(), retriever)
                    .cache(jwks.cacheTtl().toMillis(), jwks.connectTimeout().plus(jwks.readTimeout()).toMillis())
                    .refreshAheadCache(false)
                    .rateLimited(false)
                    .outageTolerant(false)
                    .retrying(false)
                    .build();
            built = JWKSourceBuilder.<SecurityContext>create(properties.jwksUri().toURL(), retriever)
                    .cache(jwks.cacheTtl().toMillis(), jwks.connectTimeout().plus(jwks.readTimeout()).toMillis())
                    .refreshAheadCache(jwks.refreshAhead().toMillis(), true)
                    .rateLimited(jwks.minRefetchInterval().toMillis())
                    .outageTolerant(jwks.outageTolerance().toMillis(),
                            event -> log.warn("event=jwks_outage detail=\"serving the last good key set\""))
                    .retrying(true)
                    .build();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException("portcullis.jwt.jwks-uri is not a URL: " + properties.jwksUri(), e);
        }
        this.source = ((JWKSetBasedJWKSource<SecurityContext>) built).getJWKSetSource();
        this.bootstrap = ((JWKSetBasedJWKSource<SecurityContext>) bootstrapBuilt).getJWKSetSource();
    }

    /**
     * Finds the key for a kid. A known kid is answered from memory; an unknown one triggers one (shared, rate-limited)
     * refetch first, which is how a freshly rotated key is picked up.
     */
    public Mono<KeyLookup> find(String keyId) {
        KeySnapshot current = snapshot.get();
        if (!current.loaded()) {
            // Not loaded yet: the poller is on it (once a second); request traffic must not multiply the fetches.
            return Mono.just(KeyLookup.UNAVAILABLE);
        }
        if (current.loaded() && fresh(current)) {
            TrustedKey key = current.byKeyId().get(keyId);
            if (key != null) {
                return Mono.just(new KeyLookup.Found(key));
            }
        }
        return sharedFetch(true).map(refreshed -> lookup(refreshed, keyId))
                .onErrorResume(error -> Mono.fromSupplier(() -> lookup(snapshot.get(), keyId)));
    }

    private KeyLookup lookup(KeySnapshot keys, String keyId) {
        if (!keys.loaded() || !fresh(keys)) {
            return KeyLookup.UNAVAILABLE;
        }
        TrustedKey key = keys.byKeyId().get(keyId);
        return key != null ? new KeyLookup.Found(key) : KeyLookup.UNKNOWN;
    }

    /** Whether a key set has been loaded and is within the outage tolerance: the readiness condition. */
    public boolean isReady() {
        KeySnapshot current = snapshot.get();
        return current.loaded() && fresh(current);
    }

    /** Key ids currently trusted (for diagnostics and tests). */
    public Set<String> keyIds() {
        return snapshot.get().byKeyId().keySet();
    }

    private boolean fresh(KeySnapshot keys) {
        return clock.millis() - keys.loadedAtMillis() <= outageTolerance.toMillis();
    }

    /** Asks the cache for the current set without forcing a fetch; nimbus refreshes when the TTL says so. */
    public Mono<KeySnapshot> poll() {
        return sharedFetch(false);
    }

    private Mono<KeySnapshot> sharedFetch(boolean forceUnlessNewer) {
        while (true) {
            Mono<KeySnapshot> existing = inFlight.get();
            if (existing != null) {
                return existing;
            }
            AtomicReference<Mono<KeySnapshot>> self = new AtomicReference<>();
            Mono<KeySnapshot> fetch = Mono.fromCallable(() -> fetch(forceUnlessNewer))
                    .subscribeOn(Schedulers.boundedElastic())
                    .doFinally(signal -> inFlight.compareAndSet(self.get(), null))
                    .cache();
            self.set(fetch);
            if (inFlight.compareAndSet(null, fetch)) {
                return fetch;
            }
        }
    }

    /** Runs on boundedElastic: may block on HTTP. */
    private KeySnapshot fetch(boolean forceUnlessNewer) throws KeySourceException {
        KeySnapshot current = snapshot.get();
        long now = clock.millis();
        // Forced: concurrent misses already share this one fetch, and the rate limit below bounds the rest.
        JWKSetCacheRefreshEvaluator evaluator = forceUnlessNewer && current.loaded()
                ? JWKSetCacheRefreshEvaluator.forceRefresh()
                : JWKSetCacheRefreshEvaluator.noRefresh();
        JWKSet set;
        try {
            set = source.getJWKSet(evaluator, now, null);
        } catch (RateLimitReachedException limited) {
            if (current.loaded()) {
                // A flood of unknown kids: the cached set stands; the kid is simply unknown.
                refetchRateLimited.increment();
                return current;
            }
            // Never loaded (the auth service came up late): the rate limit must not keep the gateway unready.
            set = bootstrap.getJWKSet(evaluator, now, null);
        }
        KeySnapshot next = set == current.jwkSet() ? current.confirmedAt(now) : KeySnapshot.of(set, allowed, now);
        if (set != current.jwkSet()) {
            log.info("event=jwks_loaded keys={} kids={}", next.byKeyId().size(), next.byKeyId().keySet());
        }
        snapshot.set(next);
        return next;
    }

    @Override
    public void start() {
        // Load at once and keep polling; until the first load succeeds readiness stays DOWN.
        poller = Flux.interval(Duration.ZERO, TICK)
                .onBackpressureDrop()
                .filter(tick -> !isReady() || clock.millis() - lastPollMillis >= pollInterval.toMillis())
                .concatMap(tick -> poll()
                        .doOnNext(keys -> lastPollMillis = clock.millis())
                        .onErrorResume(error -> {
                            log.warn("event=jwks_fetch_failed error=\"{}\"", error.getMessage());
                            return Mono.empty();
                        }))
                .subscribe();
    }

    @Override
    public void stop() {
        Disposable running = poller;
        if (running != null) {
            running.dispose();
        }
        try {
            source.close();
            bootstrap.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
    }

    @Override
    public boolean isRunning() {
        Disposable running = poller;
        return running != null && !running.isDisposed();
    }
}
