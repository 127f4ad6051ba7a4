package dev.portcullis.servicesupport.identity;

import dev.portcullis.contract.IdentityHeaders;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.http.HttpHeaders;

/**
 * Reads the {@link Identity} the gateway put into the request headers (DESIGN.md, "Identity headers forwarded to
 * services"). No {@code x-user-id} means the request did not come through an authenticated gateway route.
 */
public final class IdentityHeadersReader {

    /** The identity in these headers, or empty when {@code x-user-id} is absent or blank. */
    public Optional<Identity> read(HttpHeaders headers) {
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
                Optional.ofNullable(headers.getFirst(IdentityHeaders.REQUEST_ID)).filter(id -> !id.isBlank())));
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
