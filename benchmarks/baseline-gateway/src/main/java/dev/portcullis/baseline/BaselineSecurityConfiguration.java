package dev.portcullis.baseline;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.util.List;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.oauth2.jwt.JwtAudienceValidator;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTypeValidator;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusReactiveJwtDecoder;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.savedrequest.NoOpServerRequestCache;

/**
 * The textbook resource-server set-up: every exchange authenticated, JWTs from the JWKS URI, RFC 9068 access-token
 * validation (typ at+jwt, iss, aud, exp/nbf). CSRF off and no request cache, as an API gateway would configure it
 * (the defaults create a WebSession per request, which would make the baseline slower than a careful team's).
 */
@Configuration(proxyBeanMethods = false)
class BaselineSecurityConfiguration {

    @Bean
    SecurityWebFilterChain securityWebFilterChain(ServerHttpSecurity http) {
        return http
                .csrf(ServerHttpSecurity.CsrfSpec::disable)
                .requestCache(cache -> cache.requestCache(NoOpServerRequestCache.getInstance()))
                .authorizeExchange(exchanges -> exchanges.anyExchange().authenticated())
                .oauth2ResourceServer(resourceServer -> resourceServer.jwt(jwt -> { }))
                .build();
    }

    @Bean
    ReactiveJwtDecoder jwtDecoder(@Value("${AUTH_JWKS_URI:http://localhost:9000/.well-known/jwks.json}") String jwksUri,
                                  @Value("${AUTH_ISSUER:http://localhost:8080}") String issuer,
                                  @Value("${AUTH_AUDIENCE:portcullis}") String audience) {
        // typ is checked by the at+jwt validator below, so nimbus' own typ check (JWT or none only) is switched off.
        NimbusReactiveJwtDecoder decoder = NimbusReactiveJwtDecoder.withJwkSetUri(jwksUri).validateType(false).build();
        decoder.setJwtValidator(JwtValidators.createDefaultWithValidators(List.of(
                new JwtTypeValidator("at+jwt", "application/at+jwt"),
                new JwtIssuerValidator(issuer),
                new JwtAudienceValidator(audience))));
        return decoder;
    }

    @Bean(destroyMethod = "close")
    StatefulRedisConnection<String, String> redisConnection(@Value("${REDIS_URL:redis://localhost:6379}") String url) {
        return RedisClient.create(url).connect();
    }

    @Bean
    RevocationGetFilter revocationGetFilter(StatefulRedisConnection<String, String> redis) {
        return new RevocationGetFilter(redis.reactive());
    }
}
