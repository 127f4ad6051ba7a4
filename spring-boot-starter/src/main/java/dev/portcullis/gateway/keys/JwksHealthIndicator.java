package dev.portcullis.gateway.keys;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import reactor.core.publisher.Mono;

/**
 * Part of readiness: the gateway takes no traffic before every trusted issuer's key set has loaded (one issuer's
 * valid tokens would otherwise be refused), and stops taking it when one of them is past its outage tolerance.
 */
public final class JwksHealthIndicator implements ReactiveHealthIndicator {

    private final List<JwksKeyStore> keys;

    public JwksHealthIndicator(List<JwksKeyStore> keys) {
        this.keys = List.copyOf(keys);
    }

    @Override
    public Mono<Health> health() {
        return Mono.fromSupplier(() -> {
            Map<String, Object> details = new LinkedHashMap<>();
            boolean ready = true;
            for (JwksKeyStore store : keys) {
                boolean up = store.isReady();
                ready &= up;
                details.put(store.issuerId(), up ? Map.of("keys", store.keyIds().size())
                        : Map.of("reason", "no trusted key set loaded"));
            }
            return (ready ? Health.up() : Health.outOfService()).withDetails(details).build();
        });
    }
}
