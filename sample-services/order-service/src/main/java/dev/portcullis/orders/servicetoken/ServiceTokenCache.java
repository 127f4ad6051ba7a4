package dev.portcullis.orders.servicetoken;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

/**
 * The order-service's service token for product-service: fetched once, reused until shortly before it expires.
 * Single flight: callers that find no usable token while a fetch is running join that fetch instead of starting
 * their own, so a burst of orders after expiry costs the auth service one request.
 */
public final class ServiceTokenCache {

    private static final Log LOG = LogFactory.getLog(ServiceTokenCache.class);

    private final ClientCredentialsClient client;
    private final Clock clock;
    private volatile ServiceToken current;
    private final AtomicReference<Mono<ServiceToken>> inFlight = new AtomicReference<>();

    ServiceTokenCache(ClientCredentialsClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
    }

    /** A token value to send as {@code Authorization: Bearer}; fails with {@link ServiceTokenUnavailableException}. */
    public Mono<String> accessToken() {
        return Mono.defer(() -> {
            ServiceToken token = current;
            if (token != null && token.usableAt(clock.instant())) {
                return Mono.just(token.value());
            }
            return sharedFetch().map(ServiceToken::value);
        });
    }

    /** Forgets this token (product-service refused it, for instance after a key rotation) so the next call refetches. */
    public void invalidate(String value) {
        ServiceToken token = current;
        if (token != null && token.value().equals(value)) {
            current = null;
        }
    }

    private Mono<ServiceToken> sharedFetch() {
        while (true) {
            Mono<ServiceToken> running = inFlight.get();
            if (running != null) {
                return running;
            }
            AtomicReference<Mono<ServiceToken>> self = new AtomicReference<>();
            Mono<ServiceToken> fetch = client.fetch()
                    .doOnNext(token -> current = token)
                    .doOnError(error -> LOG.warn("No service token: " + error.getMessage()))
                    // Done (or failed): the next caller without a usable token starts a new fetch.
                    .doFinally((SignalType signal) -> inFlight.compareAndSet(self.get(), null))
                    .cache();
            self.set(fetch);
            if (inFlight.compareAndSet(null, fetch)) {
                return fetch;
            }
        }
    }
}
