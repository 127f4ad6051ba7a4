package dev.portcullis.products.caller;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code portcullis.service-tokens.*}: how the product-service checks the tokens other services present.
 *
 * @param jwksUri      where the auth service publishes its public keys ({@code AUTH_JWKS_URI})
 * @param issuer       the exact {@code iss} expected ({@code AUTH_ISSUER})
 * @param audience     the value {@code aud} must contain: this service's name
 * @param clockSkew    tolerance for {@code exp} and {@code nbf}
 * @param jwksCacheTtl how long fetched keys are trusted before a refetch
 * @param jwksTimeout  connect and read timeout of one JWKS fetch
 */
@Validated
@ConfigurationProperties("portcullis.service-tokens")
public record ServiceTokenProperties(
        @NotNull @DefaultValue("http://localhost:9000/.well-known/jwks.json") URI jwksUri,
        @NotBlank @DefaultValue("http://localhost:8080") String issuer,
        @NotBlank @DefaultValue("product-service") String audience,
        @NotNull @DefaultValue("30s") Duration clockSkew,
        @NotNull @DefaultValue("5m") Duration jwksCacheTtl,
        @NotNull @DefaultValue("2s") Duration jwksTimeout) {

    public ServiceTokenProperties {
        if (jwksUri != null && !"http".equals(jwksUri.getScheme()) && !"https".equals(jwksUri.getScheme())) {
            throw new IllegalArgumentException(
                    "portcullis.service-tokens.jwks-uri (AUTH_JWKS_URI) must be an http(s) URL, got " + jwksUri);
        }
    }
}
