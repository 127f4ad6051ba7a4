package dev.portcullis.gateway.keys;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import reactor.core.publisher.Mono;

/** Part of readiness: the gateway takes no traffic before it has a key set to verify tokens with. */
public final class JwksHealthIndicator implements ReactiveHealthIndicator {

    private final JwksKeyStore keys;

    public JwksHealthIndicator(JwksKeyStore keys) {
        this.keys = keys;
    }

    @Override
    public Mono<Health> health() {
        return Mono.fromSupplier(() -> keys.isReady()
                ? Health.up().withDetail("keys", keys.keyIds().size()).build()
                : Health.outOfService().withDetail("reason", "no trusted key set loaded").build());
    }
}
