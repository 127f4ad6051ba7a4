package dev.portcullis.servicesupport.identity;

import dev.portcullis.contract.IdentityHeaders;
import dev.portcullis.contract.IdentitySignature;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * Decides whether the identity headers of a request come from the gateway: the {@link IdentitySignature} must verify
 * with this service's key (or, during a rotation, the previous one), in constant time, and be fresh. Identity headers
 * that are unsigned, signed with another key, stale, tampered with or duplicated count as no identity at all: a peer
 * that is not the gateway (another service, compromised or not) cannot act as a user here. Each refusal is logged and
 * counted ({@code portcullis.identity.refused}, tag {@code reason}); neither keys nor header values are ever logged.
 */
public final class GatewayIdentityVerifier {

    private static final Log LOG = LogFactory.getLog(GatewayIdentityVerifier.class);

    /** What a request's headers say about its caller. */
    public enum Outcome {
        /** No identity headers and no signature: not a user's request (maybe another service's, with its own token). */
        NONE,
        /** Signed by the gateway, without identity: a public route. */
        ANONYMOUS,
        /** Signed by the gateway, with identity: the headers may be believed. */
        IDENTIFIED,
        /** Identity headers that the gateway did not vouch for: treated as {@link #NONE}, logged and counted. */
        REFUSED
    }

    /** Why identity headers were refused; the metric tag and the log field. */
    enum Reason {
        UNSIGNED, MALFORMED, UNKNOWN_KEY, STALE, BAD_SIGNATURE;

        final String tag = name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private final Map<String, IdentitySignature> keysById;
    private final long maxAgeSeconds;
    private final long skewSeconds;
    private final Clock clock;
    private final Map<Reason, Counter> refused = new EnumMap<>(Reason.class);

    public GatewayIdentityVerifier(GatewayIdentityProperties properties, Clock clock, MeterRegistry meters) {
        IdentitySignature current = IdentitySignature.withEncodedKey(properties.key());
        this.keysById = properties.previousKey() == null || properties.previousKey().isBlank()
                ? Map.of(current.keyId(), current)
                : keys(current, IdentitySignature.withEncodedKey(properties.previousKey()));
        this.maxAgeSeconds = properties.maxAge().toSeconds();
        this.skewSeconds = properties.clockSkew().toSeconds();
        this.clock = clock;
        for (Reason reason : Reason.values()) {
            refused.put(reason, Counter.builder("portcullis.identity.refused")
                    .description("Identity headers not believed because the gateway's signature did not vouch for them")
                    .tag("reason", reason.tag).register(meters));
        }
    }

    private static Map<String, IdentitySignature> keys(IdentitySignature current, IdentitySignature previous) {
        // the same key given twice is one key
        return current.keyId().equals(previous.keyId()) ? Map.of(current.keyId(), current)
                : Map.of(current.keyId(), current, previous.keyId(), previous);
    }

    public Outcome verify(ServerHttpRequest request) {
        HttpHeaders headers = request.getHeaders();
        List<String> signatures = headers.get(IdentitySignature.SIGNATURE);
        if (signatures == null) {
            return hasIdentityHeaders(headers) ? refuse(Reason.UNSIGNED, request) : Outcome.NONE;
        }
        IdentitySignature.Header signature = signatures.size() == 1 ? IdentitySignature.parse(signatures.getFirst()) : null;
        long timestamp = timestamp(headers.get(IdentitySignature.TIMESTAMP));
        if (signature == null || timestamp < 0 || hasRepeatedSignedHeader(headers)) {
            return refuse(Reason.MALFORMED, request);
        }
        IdentitySignature key = keysById.get(signature.keyId());
        if (key == null) {
            return refuse(Reason.UNKNOWN_KEY, request);
        }
        long now = clock.millis() / 1000;
        if (timestamp > now + skewSeconds || timestamp < now - maxAgeSeconds - skewSeconds) {
            return refuse(Reason.STALE, request);
        }
        if (!key.verifies(signature.mac(), timestamp, request.getMethod().name(), target(request), headers::getFirst)) {
            return refuse(Reason.BAD_SIGNATURE, request);
        }
        return headers.getFirst(IdentityHeaders.USER_ID) == null ? Outcome.ANONYMOUS : Outcome.IDENTIFIED;
    }

    /** The request target as received: raw path and raw query, as the gateway signed what it sent. */
    private static String target(ServerHttpRequest request) {
        String path = request.getURI().getRawPath();
        String query = request.getURI().getRawQuery();
        if (path == null || path.isEmpty()) {
            path = "/";
        }
        return query == null ? path : path + '?' + query;
    }

    private static boolean hasIdentityHeaders(HttpHeaders headers) {
        for (String name : IdentitySignature.SIGNED_HEADERS) {
            if (headers.containsHeader(name)) {
                return true;
            }
        }
        return false;
    }

    /** The signature covers the first value of each header; a second one would be read by nobody and vouched by no one. */
    private static boolean hasRepeatedSignedHeader(HttpHeaders headers) {
        for (String name : IdentitySignature.SIGNED_HEADERS) {
            List<String> values = headers.get(name);
            if (values != null && values.size() > 1) {
                return true;
            }
        }
        List<String> requestIds = headers.get(IdentityHeaders.REQUEST_ID);
        return requestIds != null && requestIds.size() > 1;
    }

    /** Epoch seconds, or -1 when absent, repeated or not a plain decimal. */
    private static long timestamp(List<String> values) {
        if (values == null || values.size() != 1) {
            return -1;
        }
        String value = values.getFirst();
        if (value.isEmpty() || value.length() > 12) {
            return -1;
        }
        long result = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            result = result * 10 + (c - '0');
        }
        return result;
    }

    private Outcome refuse(Reason reason, ServerHttpRequest request) {
        refused.get(reason).increment();
        // The method and reason only: the header values are exactly what must not be trusted, or repeated, here.
        LOG.warn("Refused the identity headers of a " + request.getMethod().name() + " request (" + reason.tag
                + "): treated as no identity; only the gateway, signing with this service's key, can identify a caller");
        return Outcome.REFUSED;
    }
}
