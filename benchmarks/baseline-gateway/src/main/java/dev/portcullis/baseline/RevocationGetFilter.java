package dev.portcullis.baseline;

import io.lettuce.core.api.reactive.RedisReactiveCommands;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/** One {@code GET {revoked}:jti:<jti>} per request after Spring Security authenticated it; a hit is a 401. */
final class RevocationGetFilter implements GlobalFilter, Ordered {

    private final RedisReactiveCommands<String, String> redis;

    RevocationGetFilter(RedisReactiveCommands<String, String> redis) {
        this.redis = redis;
    }

    @Override
    public int getOrder() {
        return -300;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        return exchange.getPrincipal()
                .cast(JwtAuthenticationToken.class)
                .flatMap(auth -> redis.get("{revoked}:jti:" + auth.getToken().getId())
                        .map(revoked -> true)
                        .defaultIfEmpty(false))
                .defaultIfEmpty(true)
                .flatMap(revoked -> {
                    if (revoked) {
                        exchange.getResponse().setStatusCode(HttpStatus.UNAUTHORIZED);
                        return exchange.getResponse().setComplete();
                    }
                    return chain.filter(exchange);
                });
    }
}
