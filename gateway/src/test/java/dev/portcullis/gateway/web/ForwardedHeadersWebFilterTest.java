package dev.portcullis.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

class ForwardedHeadersWebFilterTest {

    private final ForwardedHeadersWebFilter filter = new ForwardedHeadersWebFilter(new ClientAddressResolver(List.of("10.0.0.0/8")));

    @Test
    void dropsEveryProxyHeaderOfAnUntrustedPeerWhateverItsSpelling() {
        HttpHeaders passed = filtered("203.0.113.5",
                "Forwarded", "for=1.2.3.4", "X-Forwarded-For", "1.2.3.4", "x-forwarded-prefix", "/api/users",
                "X_Forwarded_Host", "evil.example", "X-FORWARDED-PROTO", "https", "X-Real-IP", "1.2.3.4",
                "x_real_ip", "1.2.3.4", "Accept", "*/*", "X-Forwarded", "kept: not a proxy header name");

        assertThat(passed.headerNames()).containsExactlyInAnyOrder("Accept", "X-Forwarded");
    }

    @Test
    void keepsTheProxyHeadersOfATrustedProxy() {
        HttpHeaders passed = filtered("10.1.2.3", "X-Forwarded-For", "203.0.113.5", "X-Forwarded-Proto", "https",
                "Forwarded", "for=203.0.113.5");

        assertThat(passed.getFirst("X-Forwarded-For")).isEqualTo("203.0.113.5");
        assertThat(passed.getFirst("X-Forwarded-Proto")).isEqualTo("https");
        assertThat(passed.getFirst("Forwarded")).isEqualTo("for=203.0.113.5");
    }

    private HttpHeaders filtered(String peer, String... headers) {
        MockServerHttpRequest.BaseBuilder<?> request = MockServerHttpRequest.get("/api/x")
                .remoteAddress(new InetSocketAddress(literal(peer), 40000));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        AtomicReference<ServerWebExchange> seen = new AtomicReference<>();
        filter.filter(MockServerWebExchange.from(request.build()), exchange -> {
            seen.set(exchange);
            return Mono.empty();
        }).block();
        return seen.get().getRequest().getHeaders();
    }

    private static InetAddress literal(String address) {
        try {
            return InetAddress.getByName(address);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
