package dev.portcullis.gateway.revocation;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
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
 * @param circuitBreaker    trips when Redis fails, so that requests fail closed at once instead of each timing out
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
        @DefaultValue @Valid CircuitBreaker circuitBreaker) {

    public RevocationProperties {
        if (heartbeatInterval.compareTo(staleAfter) >= 0) {
            throw new IllegalArgumentException("portcullis.revocation.heartbeat-interval (" + heartbeatInterval
                    + ") must be shorter than portcullis.revocation.stale-after (" + staleAfter + ")");
        }
    }

    public enum Mode { VIEW, LOOKUP }

    /**
     * @param failureRateThreshold percentage of failed lookups that opens the breaker
     * @param minimumCalls         calls needed before the rate counts
     * @param windowSize           calls in the sliding window
     * @param openFor              how long the breaker stays open before it probes again (also the Retry-After)
     */
    public record CircuitBreaker(
            @DefaultValue("50") @Min(1) int failureRateThreshold,
            @DefaultValue("5") @Min(1) int minimumCalls,
            @DefaultValue("20") @Min(1) int windowSize,
            @DefaultValue("5s") @NotNull Duration openFor) {
    }
}
