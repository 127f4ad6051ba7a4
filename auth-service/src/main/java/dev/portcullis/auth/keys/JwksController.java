package dev.portcullis.auth.keys;

import dev.portcullis.auth.config.AuthProperties;
import dev.portcullis.contract.TokenClaims;
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

    @GetMapping(path = "/.well-known/openid-configuration", produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Map<String, Object>> discovery() {
        String issuer = properties.issuer().replaceAll("/+$", "");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("issuer", properties.issuer());
        body.put("jwks_uri", issuer + "/.well-known/jwks.json");
        body.put("token_endpoint", issuer + "/oauth2/token");
        body.put("token_endpoint_auth_methods_supported", List.of("client_secret_basic"));
        body.put("grant_types_supported", List.of("client_credentials", "refresh_token"));
        body.put("response_types_supported", List.of("token"));
        body.put("subject_types_supported", List.of("public"));
        body.put("id_token_signing_alg_values_supported", List.of(properties.keys().algorithm()));
        body.put("token_endpoint_auth_signing_alg_values_supported", List.of(properties.keys().algorithm()));
        body.put("scopes_supported", scopes());
        body.put("claims_supported", List.of(TokenClaims.ISSUER, TokenClaims.SUBJECT, TokenClaims.AUDIENCE,
                TokenClaims.EXPIRES_AT, TokenClaims.ISSUED_AT, TokenClaims.NOT_BEFORE, TokenClaims.TOKEN_ID,
                TokenClaims.CLIENT_ID, TokenClaims.USERNAME, TokenClaims.ROLE, TokenClaims.PERMISSIONS,
                TokenClaims.SCOPE, TokenClaims.AUTH_METHODS));
        body.put("revocation_endpoint", issuer + "/auth/logout");
        return ResponseEntity.ok().cacheControl(CacheControl.maxAge(maxAge).cachePublic()).body(body);
    }

    private List<String> scopes() {
        return java.util.stream.Stream.concat(
                        java.util.Arrays.stream(properties.userScope().split(" ")),
                        properties.clients().stream().flatMap(c -> c.scopes().stream()))
                .filter(s -> !s.isBlank()).distinct().sorted().toList();
    }
}
