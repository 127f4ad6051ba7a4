package dev.portcullis.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ORIGINAL_REQUEST_URL_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.LinkedHashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

class ForwardedHopHeadersFilterTest {

    private final ForwardedHopHeadersFilter filter = new ForwardedHopHeadersFilter();

    @Test
    void writesTheGatewaysHopWhenNoProxySaidAnything() {
        MockServerWebExchange exchange = exchange(MockServerHttpRequest.get("http://gw.example:8080/api/users/me")
                .header("Host", "gw.example:8080").remoteAddress(peer("192.0.2.10", 51000)));
        routed(exchange, "http://gw.example:8080/api/users/me", "http://users:8081/users/me");

        HttpHeaders out = filter.filter(cleared(exchange), exchange);

        assertThat(out.get("X-Forwarded-For")).containsExactly("192.0.2.10");
        assertThat(out.get("X-Forwarded-Proto")).containsExactly("http");
        assertThat(out.get("X-Forwarded-Port")).containsExactly("8080");
        assertThat(out.get("X-Forwarded-Host")).containsExactly("gw.example:8080");
        assertThat(out.get("X-Forwarded-Prefix")).containsExactly("/api");
        assertThat(out.get("Forwarded")).containsExactly("proto=http;host=\"gw.example:8080\";for=\"192.0.2.10:51000\"");
        assertThat(out.getFirst("Accept")).isEqualTo("*/*");
    }

    @Test
    void appendsItsHopToWhatATrustedProxySaidAndKeepsTheProxysForwardedLines() {
        MockServerWebExchange exchange = exchange(MockServerHttpRequest.get("http://gw.internal/orders")
                .header("X-Forwarded-For", "203.0.113.7, 198.51.100.1").header("X-Forwarded-Proto", "https")
                .header("X-Forwarded-Host", "api.example.com").header("X-Forwarded-Port", "443")
                .header("X-Forwarded-Prefix", "/edge").header("Forwarded", "for=203.0.113.7;proto=https")
                .remoteAddress(peer("10.244.0.5", 40000)));
        routed(exchange, "http://gw.internal/orders", "http://orders:8083/orders");

        HttpHeaders out = filter.filter(cleared(exchange), exchange);

        assertThat(out.get("X-Forwarded-For")).containsExactly("203.0.113.7, 198.51.100.1,10.244.0.5");
        assertThat(out.get("X-Forwarded-Proto")).containsExactly("https,http");
        assertThat(out.get("X-Forwarded-Host")).containsExactly("api.example.com,gw.internal");
        assertThat(out.get("X-Forwarded-Port")).containsExactly("443,80");
        // the route kept the path: the proxy's prefix stands
        assertThat(out.get("X-Forwarded-Prefix")).containsExactly("/edge");
        assertThat(out.get("Forwarded")).containsExactly("for=203.0.113.7;proto=https", "proto=http;for=\"10.244.0.5:40000\"");
    }

    @Test
    void writesAnIpv6PeerInBracketsQuoted() {
        assertThat(ForwardedHopHeadersFilter.forwardedElement("http", "gw", peer("2001:db8::1", 443)))
                .isEqualTo("proto=http;host=gw;for=\"[2001:db8:0:0:0:0:0:1]:443\"");
    }

    /** What Spring Cloud Gateway's Remove(X)ForwardedHeadersFilter hand over: a copy without any forwarded header. */
    private static HttpHeaders cleared(MockServerWebExchange exchange) {
        HttpHeaders copy = new HttpHeaders();
        exchange.getRequest().getHeaders().forEach((name, values) -> {
            if (!name.equalsIgnoreCase("Forwarded") && !name.toLowerCase().startsWith("x-forwarded-")) {
                copy.addAll(name, values);
            }
        });
        copy.add("Accept", "*/*");
        return copy;
    }

    private static MockServerWebExchange exchange(MockServerHttpRequest.BaseBuilder<?> request) {
        return MockServerWebExchange.from(request.build());
    }

    private static void routed(MockServerWebExchange exchange, String original, String sent) {
        exchange.getAttributes().put(GATEWAY_ORIGINAL_REQUEST_URL_ATTR, new LinkedHashSet<>(List.of(URI.create(original))));
        exchange.getAttributes().put(GATEWAY_REQUEST_URL_ATTR, URI.create(sent));
    }

    private static InetSocketAddress peer(String address, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByName(address), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
