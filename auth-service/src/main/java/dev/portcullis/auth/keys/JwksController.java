package dev.portcullis.auth.keys;

import dev.portcullis.auth.client.TokenEndpoint;
import dev.portcullis.auth.config.AuthProperties;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /.well-known/jwks.json} (public keys only) and {@code GET /.well-known/openid-configuration}. The JWKS is
 * cacheable for {@code jwks-max-age}; verifiers refetch on an unknown kid anyway, and a new key is published
 * {@code publish-ahead} before it signs.
 */
@RestController
final class JwksController {

    private final KeyManager keys;
    private final AuthProperties properties;
    private final Duration maxAge;

    JwksController(KeyManager keys, AuthProperties properties) {
        this.keys = keys;
        this.properties = properties;
        this.maxAge = properties.keys().jwksMaxAge();
    }

    @GetMapping(path = "/.well-known/jwks.json", produces = {"application/jwk-set+json", MediaType.APPLICATION_JSON_VALUE})
    ResponseEntity<Map<String, Object>> jwks() {
        return ResponseEntity.ok()
                .cacheControl(CacheControl.maxAge(maxAge).cachePublic())
                .contentType(MediaType.APPLICATION_JSON)
                .body(keys.publicJwks().toJSONObject(true));
    }

    /**
     * Authorization server metadata (RFC 8414), served at the OpenID Connect discovery path that clients look up
     * (RFC 8414 §5 allows it). It advertises only what this service does: no authorization endpoint, so no response
     * type (the member is required, hence an empty list); {@code /oauth2/token} with the one grant it accepts and the
     * one client authentication it checks; no ID tokens (so none of OpenID Connect's ID-token members) and no
     * RFC 7009 revocation endpoint (users revoke with {@code /auth/logout} and {@code /auth/revoke-all}, which are
     * not RFC 7009 endpoints and so are not named here).
     */
    @GetMapping(path = "/.well-known/openid-configuration", produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Map<String, Object>> discovery() {
        String issuer = properties.issuer().replaceAll("/+$", "");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("issuer", properties.issuer());
        body.put("jwks_uri", issuer + "/.well-known/jwks.json");
        body.put("token_endpoint", issuer + TokenEndpoint.PATH);
        body.put("token_endpoint_auth_methods_supported", TokenEndpoint.AUTH_METHODS);
        body.put("grant_types_supported", TokenEndpoint.GRANT_TYPES);
        body.put("response_types_supported", List.of());
        body.put("scopes_supported", scopes());
        return ResponseEntity.ok().cacheControl(CacheControl.maxAge(maxAge).cachePublic()).body(body);
    }

    private List<String> scopes() {
        return java.util.stream.Stream.concat(
                        java.util.Arrays.stream(properties.userScope().split(" ")),
                        properties.clients().stream().flatMap(c -> c.scopes().stream()))
                .filter(s -> !s.isBlank()).distinct().sorted().toList();
    }
}
