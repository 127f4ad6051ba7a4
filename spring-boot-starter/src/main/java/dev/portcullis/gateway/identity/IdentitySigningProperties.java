package dev.portcullis.gateway.identity;

import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code portcullis.identity.signing.*}: the keys the gateway signs forwarded identity with, by name. A route picks one
 * with {@code metadata.policy.identity-key: <name>}; each key is shared with exactly one upstream service (as that
 * service's {@code GATEWAY_IDENTITY_KEY}), so no service can sign an identity another one would believe.
 *
 * @param keys name to key: base64 (or base64url) of at least 32 random bytes; an empty value counts as not set
 */
@ConfigurationProperties("portcullis.identity.signing")
public record IdentitySigningProperties(@DefaultValue Map<String, String> keys) {
}
