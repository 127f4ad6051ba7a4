package dev.portcullis.gateway.dpop;

import dev.portcullis.dpop.DpopTargetUri;
import dev.portcullis.net.ClientAddressResolver;
import java.net.InetSocketAddress;
import java.net.URI;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * The URI a client addressed, which its DPoP proof's {@code htu} names: the configured {@code portcullis.dpop.public-origin}
 * with the request's path; else, from a {@code portcullis.http.trusted-proxies} peer (the same trust as
 * {@link ClientAddressResolver} and the header screen give it), the left-most {@code X-Forwarded-Proto}/{@code -Host}/
 * {@code -Prefix}, those of the proxy the client reached; else the request as the gateway received it. The proxy must
 * overwrite, not append to, a client's own {@code X-Forwarded-Host}, or the public origin must be configured.
 */
final class PublicRequestUri {

    private final URI publicOrigin;
    private final ClientAddressResolver clientAddresses;

    PublicRequestUri(URI publicOrigin, ClientAddressResolver clientAddresses) {
        this.publicOrigin = publicOrigin;
        this.clientAddresses = clientAddresses;
    }

    String of(ServerHttpRequest request) {
        if (publicOrigin != null) {
            return DpopTargetUri.publicUri(publicOrigin, false, null, null, null, request.getURI());
        }
        InetSocketAddress remote = request.getRemoteAddress();
        boolean trusted = remote != null && remote.getAddress() != null && clientAddresses.isTrusted(remote.getAddress());
        HttpHeaders headers = request.getHeaders();
        return trusted
                ? DpopTargetUri.publicUri(null, true, headers.getFirst("X-Forwarded-Proto"), headers.getFirst("X-Forwarded-Host"),
                        headers.getFirst("X-Forwarded-Prefix"), request.getURI())
                : DpopTargetUri.publicUri(null, false, null, null, null, request.getURI());
    }
}
