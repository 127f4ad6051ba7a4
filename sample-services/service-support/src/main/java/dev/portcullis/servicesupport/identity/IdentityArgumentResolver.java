package dev.portcullis.servicesupport.identity;

import dev.portcullis.servicesupport.problem.Problems;
import org.springframework.core.MethodParameter;
import org.springframework.web.reactive.BindingContext;
import org.springframework.web.reactive.result.method.HandlerMethodArgumentResolver;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Lets a controller method declare an {@link Identity} parameter: the handler only runs for requests that carry the
 * gateway's identity headers, signed by the gateway; any other request is answered 401 problem+json before the handler
 * is called.
 */
public final class IdentityArgumentResolver implements HandlerMethodArgumentResolver {

    private final IdentityHeadersReader reader;

    public IdentityArgumentResolver(IdentityHeadersReader reader) {
        this.reader = reader;
    }

    @Override
    public boolean supportsParameter(MethodParameter parameter) {
        return parameter.getParameterType() == Identity.class;
    }

    @Override
    public Mono<Object> resolveArgument(MethodParameter parameter, BindingContext context, ServerWebExchange exchange) {
        return Mono.justOrEmpty(reader.read(exchange.getRequest()))
                .<Object>map(identity -> identity)
                .switchIfEmpty(Mono.error(Problems::missingIdentity));
    }
}
