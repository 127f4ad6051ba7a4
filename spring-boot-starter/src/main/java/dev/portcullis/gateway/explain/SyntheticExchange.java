package dev.portcullis.gateway.explain;

import java.net.URI;
import java.util.Map;
import org.reactivestreams.Publisher;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpCookie;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.http.server.reactive.AbstractServerHttpRequest;
import org.springframework.http.server.reactive.AbstractServerHttpResponse;
import org.springframework.http.server.reactive.SslInfo;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.adapter.DefaultServerWebExchange;
import org.springframework.web.server.i18n.AcceptHeaderLocaleContextResolver;
import org.springframework.web.server.session.DefaultWebSessionManager;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A request that never arrived, for the route predicates and the edge's checks to look at: method, path, headers, no
 * body, no client address. Its response goes nowhere. (spring-test's mock exchange is not on the runtime classpath.)
 */
final class SyntheticExchange {

    private static final DefaultDataBufferFactory BUFFERS = DefaultDataBufferFactory.sharedInstance;
    private static final ServerCodecConfigurer CODECS = ServerCodecConfigurer.create();

    private SyntheticExchange() {
    }

    static ServerWebExchange of(HttpMethod method, URI uri, Map<String, String> headerValues) {
        HttpHeaders headers = new HttpHeaders();
        headerValues.forEach(headers::add);
        if (!headers.containsHeader(HttpHeaders.HOST)) {
            headers.set(HttpHeaders.HOST, "localhost");
        }
        return new DefaultServerWebExchange(new Request(method, uri, headers), new Response(),
                new DefaultWebSessionManager(), CODECS, new AcceptHeaderLocaleContextResolver());
    }

    private static final class Request extends AbstractServerHttpRequest {

        Request(HttpMethod method, URI uri, HttpHeaders headers) {
            super(method, uri, null, headers);
        }

        @Override
        protected MultiValueMap<String, HttpCookie> initCookies() {
            return new LinkedMultiValueMap<>();
        }

        @Override
        protected SslInfo initSslInfo() {
            return null;
        }

        @Override
        public <T> T getNativeRequest() {
            throw new UnsupportedOperationException("a synthetic request has no native request");
        }

        @Override
        public Flux<DataBuffer> getBody() {
            return Flux.empty();
        }
    }

    private static final class Response extends AbstractServerHttpResponse {

        Response() {
            super(BUFFERS);
        }

        @Override
        public <T> T getNativeResponse() {
            throw new UnsupportedOperationException("a synthetic response has no native response");
        }

        @Override
        protected Mono<Void> writeWithInternal(Publisher<? extends DataBuffer> body) {
            return Flux.from(body).doOnNext(org.springframework.core.io.buffer.DataBufferUtils::release).then();
        }

        @Override
        protected Mono<Void> writeAndFlushWithInternal(Publisher<? extends Publisher<? extends DataBuffer>> body) {
            return Flux.from(body).concatMap(Flux::from)
                    .doOnNext(org.springframework.core.io.buffer.DataBufferUtils::release).then();
        }

        @Override
        protected void applyStatusCode() {
        }

        @Override
        protected void applyHeaders() {
        }

        @Override
        protected void applyCookies() {
        }
    }
}
