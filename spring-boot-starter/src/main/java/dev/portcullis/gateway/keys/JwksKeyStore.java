package dev.portcullis.gateway.keys;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSetCacheRefreshEvaluator;
import com.nimbusds.jose.jwk.source.JWKSetSource;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.jwk.source.RateLimitedJWKSetSource;
import com.nimbusds.jose.jwk.source.RetryingJWKSetSource;
import com.nimbusds.jose.jwk.source.URLBasedJWKSetSource;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jose.util.ResourceRetriever;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * One trusted issuer's public keys, the only keys its tokens are verified with: a kid is looked up in this issuer's
 * key set and no other, so a kid two issuers happen to share never selects the other issuer's key.
 *
 * <p>With discovery, the JWKS URI is read first from the issuer's OpenID metadata
 * ({@code /.well-known/openid-configuration}), whose {@code issuer} must equal the configured one exactly (OpenID
 * Connect Discovery 1.0, section 4.3); until that succeeds the issuer has no keys and readiness stays down. The URI
 * found is kept for the life of the process.
 *
 * <p>The poller fetches the key set every {@code poll-interval} (one GET per instance per interval, with nimbus'
 * retry), so a key removed from the JWKS stops being trusted within that interval plus one fetch; listeners hear of
 * every removed kid, which is how cached verifications of its tokens are dropped too. A token naming an unknown kid
 * triggers an extra fetch at once (a freshly rotated key), through nimbus' rate limit: at most two per
 * {@code min-refetch-interval} however many unknown kids arrive. While fetches fail, the last good set keeps serving
 * for {@code outage-tolerance}.
 *
 * <p>Fetches block, so they only ever run on {@code boundedElastic}; the event loop reads an immutable
 * {@link KeySnapshot} and never waits. Concurrent misses share one fetch.
 */
public final class JwksKeyStore implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(JwksKeyStore.class);
    private static final Duration TICK = Duration.ofSeconds(1);

    private final String issuerId;
    private final String expectedIssuer;
    private final URI discoveryUri;
    private final ResourceRetriever retriever;
    private final Duration minRefetchInterval;
    /** Every poll: a fresh GET (with one retry), never a cached answer and never rate-limited; null until discovered. */
    private volatile JWKSetSource<SecurityContext> fetcher;
    /** Unknown kids: the same fetch behind nimbus' rate limit. */
    private volatile JWKSetSource<SecurityContext> refetcher;
    private final Set<JWSAlgorithm> allowed;
    private final Clock clock;
    private final Duration outageTolerance;
    private final Duration pollInterval;
    private final AtomicReference<KeySnapshot> snapshot = new AtomicReference<>(KeySnapshot.EMPTY);
    private final AtomicReference<Mono<KeySnapshot>> inFlight = new AtomicReference<>();
    private final List<Consumer<Set<String>>> removalListeners = new CopyOnWriteArrayList<>();
    private final Counter refetchRateLimited;
    private final Counter keysRemoved;
    /** Monotonic time of the last HTTP fetch attempt: the poll schedule is about elapsed time, not the token clock. */
    private volatile long lastFetchNanos = System.nanoTime() - Duration.ofDays(1).toNanos();
    private volatile Disposable poller;

    /**
     * Where one issuer's keys come from.
     *
     * @param issuer       the issuer's exact {@code iss}, which its discovery metadata must repeat
     * @param jwksUri      the key set's URI, or null when it is discovered
     * @param discoveryUri the OpenID metadata naming the key set, or null without discovery
     * @param algorithms   the algorithms its keys may be used with
     */
    public record Source(String issuer, URI jwksUri, URI discoveryUri, Set<JWSAlgorithm> algorithms) {
        public Source {
            algorithms = Set.copyOf(algorithms);
        }
    }

    public JwksKeyStore(String issuerId, Source issuer, JwksProperties jwks, Clock clock, MeterRegistry meters) {
        this.issuerId = issuerId;
        this.expectedIssuer = issuer.issuer();
        this.discoveryUri = issuer.discoveryUri();
        this.allowed = issuer.algorithms();
        this.clock = clock;
        this.outageTolerance = jwks.outageTolerance();
        this.pollInterval = jwks.pollInterval();
        this.minRefetchInterval = jwks.minRefetchInterval();
        this.refetchRateLimited = Counter.builder("portcullis.jwks.fetches").tag("outcome", "rate_limited")
                .tag("issuer", issuerId).description("JWKS fetches by outcome").register(meters);
        this.keysRemoved = Counter.builder("portcullis.jwks.keys.removed").tag("issuer", issuerId)
                .description("Keys that left the trusted key set (pulled from the JWKS or replaced under the same kid)")
                .register(meters);
        this.retriever = new CountingResourceRetriever(new DefaultResourceRetriever(
                (int) jwks.connectTimeout().toMillis(), (int) jwks.readTimeout().toMillis(), 256 * 1024), issuerId, meters);
        if (issuer.jwksUri() != null) {
            useJwksUri(issuer.jwksUri());
        }
    }

    private void useJwksUri(URI jwksUri) {
        URL url;
        try {
            url = jwksUri.toURL();
        } catch (MalformedURLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("the JWKS URI of issuer '" + issuerId + "' is not a URL: " + jwksUri, e);
        }
        JWKSetSource<SecurityContext> source = new RetryingJWKSetSource<>(new URLBasedJWKSetSource<>(url, retriever), null);
        this.refetcher = new RateLimitedJWKSetSource<>(source, minRefetchInterval.toMillis(), null);
        this.fetcher = source;
    }

    /** The id of the issuer whose keys these are. */
    public String issuerId() {
        return issuerId;
    }

    /**
     * Calls {@code listener} (on the fetching thread) with the kids that left the trusted set, each time a fetch
     * shows some gone. A kid whose key changed counts as removed: what was verified with the old key must not stand.
     */
    public void onKeysRemoved(Consumer<Set<String>> listener) {
        removalListeners.add(listener);
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

    /** Whether this key is still the one trusted under its kid (false once pulled or replaced). */
    public boolean isTrusted(TrustedKey key) {
        return snapshot.get().byKeyId().get(key.keyId()) == key;
    }

    /** Key ids currently trusted (for diagnostics and tests). */
    public Set<String> keyIds() {
        return snapshot.get().byKeyId().keySet();
    }

    private boolean fresh(KeySnapshot keys) {
        return clock.millis() - keys.loadedAtMillis() <= outageTolerance.toMillis();
    }

    /**
     * Fetches the key set now (not rate-limited): what the poller does every {@code poll-interval}. When the fetch
     * fails, the current set stands (and serves until it is older than the outage tolerance).
     */
    public Mono<KeySnapshot> poll() {
        return sharedFetch(false).onErrorResume(error -> {
            log.warn("event=jwks_fetch_failed issuer={} error=\"{}\"", issuerId, error.getMessage());
            return Mono.fromSupplier(snapshot::get);
        });
    }

    private Mono<KeySnapshot> sharedFetch(boolean unknownKid) {
        while (true) {
            Mono<KeySnapshot> existing = inFlight.get();
            if (existing != null) {
                return existing;
            }
            AtomicReference<Mono<KeySnapshot>> self = new AtomicReference<>();
            Mono<KeySnapshot> fetch = Mono.fromCallable(() -> fetch(unknownKid))
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
    private KeySnapshot fetch(boolean unknownKid) throws KeySourceException {
        if (fetcher == null) {
            discover();
        }
        KeySnapshot current = snapshot.get();
        long now = clock.millis();
        JWKSet set;
        if (unknownKid && current.loaded()) {
            long attempt = System.nanoTime();
            try {
                set = refetcher.getJWKSet(JWKSetCacheRefreshEvaluator.forceRefresh(), now, null);
                lastFetchNanos = attempt;
            } catch (RateLimitReachedException limited) {
                // A flood of unknown kids: the current set stands; the kid is simply unknown until the next poll.
                refetchRateLimited.increment();
                return current;
            }
        } else {
            // The poll, or no set loaded yet: a late auth service is picked up by the poller within a second.
            lastFetchNanos = System.nanoTime();
            set = fetcher.getJWKSet(JWKSetCacheRefreshEvaluator.forceRefresh(), now, null);
        }
        KeySnapshot next = KeySnapshot.of(set, allowed, now, current);
        KeySnapshot previous = snapshot.getAndSet(next);
        if (!sameKeys(previous, next)) {
            log.info("event=jwks_loaded issuer={} keys={} kids={}", issuerId, next.byKeyId().size(), next.byKeyId().keySet());
            Set<String> removed = removedKeys(previous, next);
            if (!removed.isEmpty()) {
                // kids only: a key's material is public, but the log has no use for it
                log.warn("event=jwks_keys_removed issuer={} kids={} detail=\"tokens they signed are refused from now on, cached or not\"",
                        issuerId, removed);
                keysRemoved.increment(removed.size());
                for (Consumer<Set<String>> listener : removalListeners) {
                    listener.accept(removed);
                }
            }
        }
        return next;
    }

    /**
     * Reads the JWKS URI from the issuer's metadata. The metadata must name this very issuer: metadata served for
     * another issuer (a misrouted or hostile endpoint) would hand over another issuer's keys.
     */
    private synchronized void discover() throws KeySourceException {
        if (fetcher != null) {
            return;
        }
        lastFetchNanos = System.nanoTime();
        Map<String, Object> metadata;
        try {
            metadata = JSONObjectUtils.parse(retriever.retrieveResource(discoveryUri.toURL()).getContent());
        } catch (IOException | java.text.ParseException | RuntimeException e) {
            throw new KeySourceException("OpenID metadata of issuer '" + issuerId + "' could not be read from "
                    + discoveryUri + ": " + e.getMessage(), e);
        }
        Object issuer = metadata.get("issuer");
        Object jwksUri = metadata.get("jwks_uri");
        if (!expectedIssuer.equals(issuer)) {
            throw new KeySourceException("OpenID metadata at " + discoveryUri + " names the issuer '" + issuer
                    + "', not '" + expectedIssuer + "'");
        }
        URI uri;
        try {
            uri = jwksUri instanceof String text ? URI.create(text) : null;
        } catch (IllegalArgumentException e) {
            uri = null;
        }
        if (uri == null || !("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))) {
            throw new KeySourceException("OpenID metadata at " + discoveryUri + " has no http(s) jwks_uri");
        }
        useJwksUri(uri);
        log.info("event=oidc_discovery issuer={} jwks_uri={}", issuerId, uri);
    }

    private static boolean sameKeys(KeySnapshot previous, KeySnapshot next) {
        return previous.loaded() && previous.jwks().equals(next.jwks());
    }

    /** Trusted kids that are gone from {@code next}, no longer trusted there, or trusted with another key. */
    private static Set<String> removedKeys(KeySnapshot previous, KeySnapshot next) {
        Set<String> removed = new TreeSet<>();
        previous.byKeyId().forEach((kid, key) -> {
            if (next.byKeyId().get(kid) != key) { // unchanged keys keep their instance (KeySnapshot.of)
                removed.add(kid);
            }
        });
        return removed;
    }

    @Override
    public void start() {
        // Load at once and keep polling; until the first load succeeds readiness stays DOWN.
        poller = Flux.interval(Duration.ZERO, TICK)
                .onBackpressureDrop()
                // an unknown-kid refetch counts as a poll (the set it got is as fresh); a rate-limited one does not
                .filter(tick -> !isReady() || System.nanoTime() - lastFetchNanos >= pollInterval.toNanos())
                .concatMap(tick -> poll())
                .subscribe();
    }

    @Override
    public void stop() {
        Disposable running = poller;
        if (running != null) {
            running.dispose();
        }
        try {
            JWKSetSource<SecurityContext> source = fetcher;
            if (source != null) {
                source.close();
            }
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
