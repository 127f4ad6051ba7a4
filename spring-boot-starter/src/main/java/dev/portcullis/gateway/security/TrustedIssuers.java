package dev.portcullis.gateway.security;

import dev.portcullis.gateway.keys.JwksKeyStore;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.springframework.context.SmartLifecycle;

/**
 * Every trusted issuer, found by the exact {@code iss} of a token. Starts and stops their key sets together; ready
 * only once every issuer's keys have loaded (a gateway that took traffic with one issuer's keys missing would refuse
 * that issuer's valid tokens).
 */
public final class TrustedIssuers implements SmartLifecycle {

    private final Map<String, TrustedIssuer> byIss;
    private final Map<String, TrustedIssuer> byId;
    private volatile boolean running;

    TrustedIssuers(Collection<TrustedIssuer> issuers) {
        Map<String, TrustedIssuer> iss = new LinkedHashMap<>();
        Map<String, TrustedIssuer> ids = new LinkedHashMap<>();
        for (TrustedIssuer issuer : issuers) {
            iss.put(issuer.issuer(), issuer);
            ids.put(issuer.id(), issuer);
        }
        this.byIss = Map.copyOf(iss);
        this.byId = java.util.Collections.unmodifiableMap(ids);
    }

    /** One key set per configured issuer, fetched from its own JWKS URI (or discovered from its metadata). */
    public static TrustedIssuers of(JwtProperties properties, Clock clock, MeterRegistry meters) {
        return new TrustedIssuers(properties.trustedIssuers().entrySet().stream()
                .map(entry -> TrustedIssuer.of(entry.getKey(), entry.getValue(),
                        new JwksKeyStore(entry.getKey(), entry.getValue().keySource(), properties.jwks(), clock, meters)))
                .toList());
    }

    /** @return the issuer whose {@code iss} this is exactly, or null */
    TrustedIssuer forIss(String iss) {
        return iss == null ? null : byIss.get(iss);
    }

    /** The issuer with this id, or null. */
    public TrustedIssuer byId(String id) {
        return byId.get(id);
    }

    /** The configured ids, default issuer first. */
    public Set<String> ids() {
        return byId.keySet();
    }

    public Collection<TrustedIssuer> all() {
        return byId.values();
    }

    /** Whether every issuer's key set has loaded and is within its outage tolerance. */
    public boolean isReady() {
        return byId.values().stream().allMatch(issuer -> issuer.keys().isReady());
    }

    @Override
    public void start() {
        byId.values().forEach(issuer -> issuer.keys().start());
        running = true;
    }

    @Override
    public void stop() {
        byId.values().forEach(issuer -> issuer.keys().stop());
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** The key set of one issuer (diagnostics and tests). */
    public JwksKeyStore keys(String id) {
        TrustedIssuer issuer = byId.get(id);
        if (issuer == null) {
            throw new IllegalArgumentException("no issuer '" + id + "'");
        }
        return issuer.keys();
    }
}
