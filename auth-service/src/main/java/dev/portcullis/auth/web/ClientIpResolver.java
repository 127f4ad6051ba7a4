package dev.portcullis.auth.web;

import dev.portcullis.auth.config.AuthProperties;
import dev.portcullis.net.ClientAddressResolver;
import java.net.InetSocketAddress;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.stereotype.Component;

/**
 * The client IP that abuse limits count against: the rule the gateway uses too ({@link ClientAddressResolver}),
 * with {@code portcullis.auth.trusted-proxies} (the gateway; loopback by default) as the proxies whose
 * {@code X-Forwarded-For} is believed. Anything else would let a caller pick its own IP and dodge the limits.
 */
@Component
public final class ClientIpResolver {

    static final String TRUSTED_PROXIES_KEY = "portcullis.auth.trusted-proxies";

    private final ClientAddressResolver resolver;

    ClientIpResolver(AuthProperties properties) {
        this.resolver = new ClientAddressResolver(TRUSTED_PROXIES_KEY, properties.trustedProxies());
    }

    public String clientIp(ServerHttpRequest request) {
        return resolver.resolve(request);
    }

    /** Whether the connection comes from a trusted proxy (the gateway), whose X-Forwarded-* headers are believed. */
    public boolean fromTrustedProxy(ServerHttpRequest request) {
        InetSocketAddress remote = request.getRemoteAddress();
        return remote != null && remote.getAddress() != null && resolver.isTrusted(remote.getAddress());
    }
}
