package dev.portcullis.auth.web;

import dev.portcullis.auth.config.AuthProperties;
import org.springframework.boot.http.codec.CodecCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * One bound for every request body ({@code portcullis.auth.max-request-size}): a declared {@code Content-Length} above
 * it is refused before a byte is read, and the codecs stop buffering a chunked body at the same size (both end as 413).
 */
@Configuration(proxyBeanMethods = false)
class BodySizeLimit {

    @Bean
    CodecCustomizer requestBodyLimit(AuthProperties properties) {
        int limit = Math.toIntExact(properties.maxRequestSize().toBytes());
        return configurer -> configurer.defaultCodecs().maxInMemorySize(limit);
    }

    @Bean
    WebFilter contentLengthLimit(AuthProperties properties) {
        long limit = properties.maxRequestSize().toBytes();
        return new ContentLengthFilter(limit);
    }

    /** Runs first: there is no point authenticating a request whose body will be refused anyway. */
    static final class ContentLengthFilter implements WebFilter, Ordered {

        private final long limit;

        ContentLengthFilter(long limit) {
            this.limit = limit;
        }

        @Override
        public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
            long length = exchange.getRequest().getHeaders().getContentLength();
            if (length > limit) {
                return Mono.error(ApiException.payloadTooLarge(limit));
            }
            return chain.filter(exchange);
        }

        @Override
        public int getOrder() {
            return Ordered.HIGHEST_PRECEDENCE;
        }
    }
}
