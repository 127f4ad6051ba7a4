package dev.portcullis.gateway.streams;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Long-lived responses that end with their token ({@code portcullis.streams.*}): WebSocket sessions and Server-Sent
 * Events streams of authenticated routes.
 *
 * @param maxOpen             bound on the streams one instance tracks; a stream beyond it is closed at once
 *                            ({@code cause=capacity}) rather than left open without its token's end enforced
 * @param expiryCheckInterval how often open streams are checked against their token's {@code exp} plus the issuer's
 *                            clock skew: a stream outlives its token by at most this much
 */
@Validated
@ConfigurationProperties("portcullis.streams")
public record StreamProperties(
        @DefaultValue("10000") @Min(1) int maxOpen,
        @DefaultValue("250ms") @NotNull Duration expiryCheckInterval) {

    public StreamProperties {
        if (expiryCheckInterval.isZero() || expiryCheckInterval.isNegative()) {
            throw new IllegalArgumentException("portcullis.streams.expiry-check-interval must be positive, was "
                    + expiryCheckInterval);
        }
    }
}
