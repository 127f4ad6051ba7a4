package dev.portcullis.gateway.keys;

import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How each trusted issuer's key set is fetched and kept ({@code portcullis.jwt.jwks.*}): the settings of
 * {@link JwksKeyStore}, bound as part of the JWT settings.
 *
 * @param pollInterval       the key set is fetched this often; a key removed from it stops working within this
 *                           interval (plus one fetch), cached verifications included
 * @param minRefetchInterval unknown {@code kid}s trigger at most two extra fetches per interval (nimbus' rate limit)
 * @param outageTolerance    how long the last good key set keeps serving while every fetch fails
 * @param connectTimeout     HTTP connect timeout of a fetch
 * @param readTimeout        HTTP read timeout of a fetch
 */
public record JwksProperties(
        @DefaultValue("15s") @NotNull Duration pollInterval,
        @DefaultValue("30s") @NotNull Duration minRefetchInterval,
        @DefaultValue("12h") @NotNull Duration outageTolerance,
        @DefaultValue("2s") @NotNull Duration connectTimeout,
        @DefaultValue("2s") @NotNull Duration readTimeout) {

    public JwksProperties {
        // the poller ticks once a second: a shorter interval would not be honoured
        if (pollInterval.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("portcullis.jwt.jwks.poll-interval must be at least 1s, was " + pollInterval);
        }
        if (!minRefetchInterval.isPositive()) {
            throw new IllegalArgumentException("portcullis.jwt.jwks.min-refetch-interval must be positive, was "
                    + minRefetchInterval);
        }
        if (outageTolerance.compareTo(pollInterval) < 0) {
            throw new IllegalArgumentException("portcullis.jwt.jwks.outage-tolerance (" + outageTolerance
                    + ") must not be shorter than portcullis.jwt.jwks.poll-interval (" + pollInterval + ")");
        }
    }
}
