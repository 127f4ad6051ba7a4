package dev.portcullis.auth.dpop;

import dev.portcullis.dpop.DpopNonces;
import dev.portcullis.dpop.DpopRules;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.time.Duration;
import java.util.Base64;
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

    public AuthDpopProperties {
        try {
            rules(algorithms, maxAge, futureSkew, maxJtiLength);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("portcullis.auth.dpop." + e.getMessage(), e);
        }
        publicOrigin = publicOrigin == null || publicOrigin.isBlank() ? null : publicOrigin.trim();
        if (publicOrigin != null) {
            URI origin;
            try {
                origin = URI.create(publicOrigin);
            } catch (IllegalArgumentException e) {
                origin = null;
            }
            if (origin == null || origin.getHost() == null
                    || !("http".equals(origin.getScheme()) || "https".equals(origin.getScheme()))) {
                throw new IllegalArgumentException("portcullis.auth.dpop.public-origin: must be an absolute http(s) origin");
            }
        }
    }

    private static DpopRules rules(Set<String> algorithms, Duration maxAge, Duration futureSkew, int maxJtiLength) {
        return algorithms == null || maxAge == null || futureSkew == null ? null
                : new DpopRules(algorithms, maxAge, futureSkew, maxJtiLength);
    }

    /** The configured public origin, or null. */
    public URI publicOriginUri() {
        return publicOrigin == null ? null : URI.create(publicOrigin);
    }

    public DpopRules rules() {
        return rules(algorithms, maxAge, futureSkew, maxJtiLength);
    }

    /**
     * @param enabled whether every proof must carry a current server nonce (else use_dpop_nonce and a DPoP-Nonce)
     * @param secret  base64 of at least 32 random bytes, the same on every instance (AUTH_DPOP_NONCE_SECRET)
     * @param step    how long a nonce is current; it is accepted for up to twice that
     */
    public record Nonce(@DefaultValue("false") boolean enabled, String secret, @DefaultValue("5m") @NotNull Duration step) {

        public Nonce {
            secret = secret == null || secret.isBlank() ? null : secret;
            if (enabled) {
                try {
                    new DpopNonces(secret == null ? null : Base64.getDecoder().decode(secret.trim()), step);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("portcullis.auth.dpop.nonce: " + e.getMessage(), e);
                }
            }
        }

        /** The nonces, or null when they are off. */
        public DpopNonces nonces() {
            return enabled ? new DpopNonces(Base64.getDecoder().decode(secret.trim()), step) : null;
        }
    }
}
