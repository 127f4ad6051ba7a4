package dev.portcullis.auth.dpop;

import dev.portcullis.dpop.DpopNonces;
import dev.portcullis.dpop.DpopRules;
import dev.portcullis.dpop.DpopSettings;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.time.Duration;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * DPoP (RFC 9449) at the auth service, under {@code portcullis.auth.dpop}. A token request with a valid proof gets a
 * bound token; one without keeps getting a Bearer token. Defaults here, in one place.
 *
 * @param algorithms    accepted proof algorithms (of ES256, ES384, RS256, PS256)
 * @param maxAge        how old a proof's iat may be; also how long its jti is remembered (with future-skew)
 * @param futureSkew    how far ahead of this clock a proof's iat may be
 * @param maxJtiLength  the longest jti accepted, in characters
 * @param publicOrigin  the origin clients address (https://api.example.com), against which a proof's htu is compared;
 *                      unset: the X-Forwarded-Proto, -Host and -Prefix the gateway (a trusted-proxies peer) sends,
 *                      else the request as received (AUTH_DPOP_PUBLIC_ORIGIN)
 * @param replayTimeout how long the replay check waits for Redis; no answer refuses the proof (fail closed)
 * @param nonce         server nonces, off by default
 */
@Validated
@ConfigurationProperties("portcullis.auth.dpop")
public record AuthDpopProperties(
        @DefaultValue({"ES256", "RS256", "PS256"}) @NotNull Set<String> algorithms,
        @DefaultValue("60s") @NotNull Duration maxAge,
        @DefaultValue("5s") @NotNull Duration futureSkew,
        @DefaultValue("128") int maxJtiLength,
        String publicOrigin,
        @DefaultValue("500ms") @NotNull Duration replayTimeout,
        @DefaultValue @Valid @NotNull Nonce nonce) {

    static final String PREFIX = "portcullis.auth.dpop";

    public AuthDpopProperties {
        DpopSettings.rules(PREFIX, algorithms, maxAge, futureSkew, maxJtiLength);
        publicOrigin = DpopSettings.publicOrigin(PREFIX, publicOrigin) == null ? null : publicOrigin.trim();
    }


    /** The configured public origin, or null. */
    public URI publicOriginUri() {
        return DpopSettings.publicOrigin(PREFIX, publicOrigin);
    }

    public DpopRules rules() {
        return DpopSettings.rules(PREFIX, algorithms, maxAge, futureSkew, maxJtiLength);
    }

    /**
     * @param enabled whether every proof must carry a current server nonce (else use_dpop_nonce and a DPoP-Nonce)
     * @param secret  base64 of at least 32 random bytes, the same on every instance (AUTH_DPOP_NONCE_SECRET)
     * @param step    how long a nonce is current; it is accepted for up to twice that
     */
    public record Nonce(@DefaultValue("false") boolean enabled, String secret, @DefaultValue("5m") @NotNull Duration step) {

        public Nonce {
            secret = secret == null || secret.isBlank() ? null : secret.trim();
            DpopSettings.nonces(PREFIX, enabled, secret, step);
        }

        /** The nonces, or null when they are off. */
        public DpopNonces nonces() {
            return DpopSettings.nonces(PREFIX, enabled, secret, step);
        }
    }
}
