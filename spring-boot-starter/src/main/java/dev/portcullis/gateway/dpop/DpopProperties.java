package dev.portcullis.gateway.dpop;

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
 * DPoP (RFC 9449) at the edge, under {@code portcullis.dpop}: how proofs of bound tokens are checked. Routes choose
 * whether they require binding ({@code policy.dpop}).
 *
 * @param algorithms    accepted proof algorithms (of ES256, ES384, RS256, PS256); also the algs of the challenge
 * @param maxAge        how old a proof's iat may be; also how long its jti is remembered (with future-skew)
 * @param futureSkew    how far ahead of the gateway's clock a proof's iat may be
 * @param maxJtiLength  the longest jti accepted, in characters
 * @param publicOrigin  the origin clients address (https://api.example.com), against which a proof's htu is compared;
 *                      unset: X-Forwarded-Proto, -Host and -Prefix of a portcullis.http.trusted-proxies peer, else the
 *                      request as received (GATEWAY_PUBLIC_ORIGIN)
 * @param replayTimeout how long the replay check waits for Redis; no answer refuses the request (503, fail closed)
 * @param nonce         server nonces, off by default
 */
@Validated
@ConfigurationProperties("portcullis.dpop")
public record DpopProperties(
        @DefaultValue({"ES256", "RS256", "PS256"}) @NotNull Set<String> algorithms,
        @DefaultValue("60s") @NotNull Duration maxAge,
        @DefaultValue("5s") @NotNull Duration futureSkew,
        @DefaultValue("128") int maxJtiLength,
        String publicOrigin,
        @DefaultValue("500ms") @NotNull Duration replayTimeout,
        @DefaultValue @Valid @NotNull Nonce nonce) {

    static final String PREFIX = "portcullis.dpop";

    public DpopProperties {
        DpopSettings.rules(PREFIX, algorithms, maxAge, futureSkew, maxJtiLength);
        publicOrigin = DpopSettings.publicOrigin(PREFIX, publicOrigin) == null ? null : publicOrigin.trim();
    }

    public DpopRules rules() {
        return DpopSettings.rules(PREFIX, algorithms, maxAge, futureSkew, maxJtiLength);
    }

    /** The configured public origin, or null. */
    public URI publicOriginUri() {
        return DpopSettings.publicOrigin(PREFIX, publicOrigin);
    }

    /**
     * @param enabled whether every proof must carry a current server nonce (else use_dpop_nonce and a DPoP-Nonce)
     * @param secret  base64 of at least 32 random bytes, the same on every instance (GATEWAY_DPOP_NONCE_SECRET)
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
