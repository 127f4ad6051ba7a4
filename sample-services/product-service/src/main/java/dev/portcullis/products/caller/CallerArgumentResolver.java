package dev.portcullis.products.caller;

import dev.portcullis.servicesupport.identity.IdentityHeadersReader;
import dev.portcullis.servicesupport.problem.Problems;
import org.springframework.core.MethodParameter;
import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.BindingContext;
import org.springframework.web.reactive.result.method.HandlerMethodArgumentResolver;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Resolves a controller's {@link Caller} parameter. The gateway's identity headers win when its signature over them
 * verifies: a request that came through the gateway is a user's, even if it also forwards the user's own token.
 * Without them (or with identity headers the gateway did not sign, which count as none), a bearer token is taken as a
 * service token and verified here (services call each other directly, not through the gateway): a service that adds
 * {@code x-user-*} headers to its own token is still only that service. Neither: 401.
 */
final class CallerArgumentResolver implements HandlerMethodArgumentResolver {

    private static final String BEARER = "bearer ";

    private final IdentityHeadersReader identities;
    private final ServiceTokenVerifier serviceTokens;

    CallerArgumentResolver(IdentityHeadersReader identities, ServiceTokenVerifier serviceTokens) {
        this.identities = identities;
        this.serviceTokens = serviceTokens;
    }

    @Override
    public boolean supportsParameter(MethodParameter parameter) {
        return parameter.getParameterType() == Caller.class;
    }

    @Override
    public Mono<Object> resolveArgument(MethodParameter parameter, BindingContext context, ServerWebExchange exchange) {
        HttpHeaders headers = exchange.getRequest().getHeaders();
        var user = identities.read(exchange.getRequest());
        if (user.isPresent()) {
            return Mono.just(new Caller.User(user.get()));
        }
        String authorization = headers.getFirst(HttpHeaders.AUTHORIZATION);
        if (authorization == null) {
            return Mono.error(Problems.missingIdentity());
        }
        if (!authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())
                || authorization.substring(BEARER.length()).isBlank()) {
            return Mono.error(Problems.invalidToken("Expected 'Authorization: Bearer <service token>'."));
        }
        return serviceTokens.verify(authorization.substring(BEARER.length()).strip()).map(service -> service);
    }
}
