package dev.portcullis.gateway.revocation;

import dev.portcullis.gateway.resilience.RedisBreakerProperties;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How revocation is checked ({@code portcullis.revocation.*}).
 *
 * @param mode              {@code view}: a local copy of the revocation set, fed by the {@code revocations} channel
 *                          (no Redis round trip per request); {@code lookup}: two GETs per request
 * @param heartbeatInterval how often the view proves its subscription is alive and reads the revocation sequence
 *                          ({@code {revoked}:seq}): a message lost on the way is noticed within two intervals
 * @param staleAfter        a view without a heartbeat for this long is not trusted (docs/contract.md: one second)
 * @param resyncInterval    full re-read of the revocation keys, in case a publish was lost
 * @param maxEntries        bound on the view; beyond it the gateway falls back to lookups
 * @param lookupTimeout     upper bound of one lookup
 * @param circuitBreaker    trips when Redis fails, so that requests fail closed at once instead of each timing out;
 *                          its {@code open-for} is the {@code Retry-After} of a request refused because of it
 */
@Validated
@ConfigurationProperties("portcullis.revocation")
public record RevocationProperties(
        @DefaultValue("view") @NotNull Mode mode,
        @DefaultValue("250ms") @NotNull Duration heartbeatInterval,
        @DefaultValue("1s") @NotNull Duration staleAfter,
        @DefaultValue("5m") @NotNull Duration resyncInterval,
        @DefaultValue("1000000") @Min(1) int maxEntries,
        @DefaultValue("250ms") @NotNull Duration lookupTimeout,
        @DefaultValue @Valid @NotNull @NestedConfigurationProperty RedisBreakerProperties circuitBreaker) {

    public RevocationProperties {
        if (heartbeatInterval.compareTo(staleAfter) >= 0) {
            throw new IllegalArgumentException("portcullis.revocation.heartbeat-interval (" + heartbeatInterval
                    + ") must be shorter than portcullis.revocation.stale-after (" + staleAfter + ")");
        }
    }

    public enum Mode { VIEW, LOOKUP }
}
