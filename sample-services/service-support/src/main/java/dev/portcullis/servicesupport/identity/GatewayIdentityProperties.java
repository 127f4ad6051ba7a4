package dev.portcullis.servicesupport.identity;

import dev.portcullis.contract.IdentitySignature;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code portcullis.gateway-identity.*}: how a service checks that the identity headers it receives come from the
 * gateway. Required: a service without a key does not start (there is no mode that believes unsigned headers).
 *
 * @param key         the key this service shares with the gateway alone (GATEWAY_IDENTITY_KEY): base64 of at
 *                    least 32 random bytes, the same value as the gateway's portcullis.identity.signing.keys entry
 *                    for this service's routes
 * @param previousKey during a key rotation, the key being retired (GATEWAY_IDENTITY_PREVIOUS_KEY), also accepted;
 *                    empty otherwise
 * @param maxAge      how old a signature may be (it is made per request, so only transit time and retries count)
 * @param clockSkew   tolerated difference between the gateway's clock and this one, in either direction
 */
@ConfigurationProperties("portcullis.gateway-identity")
public record GatewayIdentityProperties(
        String key,
        String previousKey,
        @DefaultValue("30s") Duration maxAge,
        @DefaultValue("5s") Duration clockSkew) {

    public GatewayIdentityProperties {
        if (key == null || key.isBlank()) {
            throw new IllegalArgumentException("portcullis.gateway-identity.key (GATEWAY_IDENTITY_KEY) is not set: the key "
                    + "this service shares with the gateway, base64 of at least 32 random bytes. Without it no identity "
                    + "header could be believed.");
        }
        check("portcullis.gateway-identity.key (GATEWAY_IDENTITY_KEY)", key);
        if (previousKey != null && !previousKey.isBlank()) {
            check("portcullis.gateway-identity.previous-key (GATEWAY_IDENTITY_PREVIOUS_KEY)", previousKey);
        }
        if (maxAge.isNegative() || maxAge.isZero() || maxAge.compareTo(Duration.ofMinutes(5)) > 0) {
            throw new IllegalArgumentException("portcullis.gateway-identity.max-age must be between 1s and 5m, was " + maxAge);
        }
        if (clockSkew.isNegative() || clockSkew.compareTo(Duration.ofMinutes(1)) > 0) {
            throw new IllegalArgumentException("portcullis.gateway-identity.clock-skew must be between 0s and 1m, was "
                    + clockSkew);
        }
    }

    private static void check(String name, String value) {
        try {
            IdentitySignature.withEncodedKey(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage());
        }
    }
}
