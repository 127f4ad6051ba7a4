package dev.portcullis.servicesupport.identity;

import dev.portcullis.contract.IdentityHeaders;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * Reads the {@link Identity} the gateway put into the request headers (docs/contract.md, "Identity headers forwarded to
 * services"), but only when the gateway's signature over them verifies ({@link GatewayIdentityVerifier}). Unsigned,
 * wrongly signed or stale identity headers, or none at all, mean no identity.
 */
public final class IdentityHeadersReader {

    private final GatewayIdentityVerifier verifier;

    public IdentityHeadersReader(GatewayIdentityVerifier verifier) {
        this.verifier = verifier;
    }

    /** The identity the gateway vouches for in this request, or empty. */
    public Optional<Identity> read(ServerHttpRequest request) {
        if (verifier.verify(request) != GatewayIdentityVerifier.Outcome.IDENTIFIED) {
            return Optional.empty();
        }
        HttpHeaders headers = request.getHeaders();
        String userId = headers.getFirst(IdentityHeaders.USER_ID);
        if (userId == null || userId.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(new Identity(
                userId.strip(),
                strip(headers.getFirst(IdentityHeaders.USER_ROLE)),
                list(headers.getFirst(IdentityHeaders.USER_PERMISSIONS)),
                list(headers.getFirst(IdentityHeaders.USER_SCOPES)),
                list(headers.getFirst(IdentityHeaders.USER_AMR)),
                Optional.ofNullable(headers.getFirst(IdentityHeaders.REQUEST_ID)).filter(id -> !id.isBlank()),
                Optional.ofNullable(headers.getFirst(IdentityHeaders.USER_ISSUER)).map(String::strip).filter(id -> !id.isEmpty())));
    }

    private static String strip(String value) {
        return value == null ? "" : value.strip();
    }

    private static Set<String> list(String value) {
        if (value == null || value.isBlank()) {
            return Set.of();
        }
        return Arrays.stream(value.split(IdentityHeaders.LIST_SEPARATOR))
                .map(String::strip)
                .filter(item -> !item.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
    }
}
