package dev.portcullis.testsupport;

import dev.portcullis.contract.IdentitySignature;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Identity signing keys for tests (public test material, never a real key) and the gateway's side of the signature,
 * so that a service test can send a request exactly as the gateway would sign it, or sign it wrongly on purpose.
 */
public final class GatewayIdentity {

    /** The key service tests are started with ({@code portcullis.gateway-identity.key}). */
    public static final String KEY = "W0lgQLTh8SwH2yjm6c5PPw4Hg4Pp6GgL7iUdrUZI22A=";
    /** A key the service does not hold: another service's, or an attacker's. */
    public static final String OTHER_KEY = "BQvmC/+sT4K36r+s813Xc4lbBNVMudJijAIZv1/VfiY=";
    /** For {@code @SpringBootTest(properties = GatewayIdentity.PROPERTY)}. */
    public static final String PROPERTY = "portcullis.gateway-identity.key=" + KEY;

    public static final GatewayIdentity GATEWAY = new GatewayIdentity(KEY);
    public static final GatewayIdentity IMPOSTOR = new GatewayIdentity(OTHER_KEY);

    private final IdentitySignature signature;

    public GatewayIdentity(String key) {
        this.signature = IdentitySignature.withEncodedKey(key);
    }

    /** A key of its own for each name (deterministic, base64 of 32 bytes), for the gateway's per-route keys. */
    public static String key(String name) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(("portcullis test-only identity key: " + name).getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public IdentitySignature signature() {
        return signature;
    }

    /**
     * Adds the timestamp and signature headers for a request to {@code url}, signed at {@code at}.
     *
     * @param headers the request's headers by name (null when absent): the identity and request id being signed
     * @param set     sets a header on the request
     */
    public void sign(String method, URI url, Instant at, Function<String, String> headers, BiConsumer<String, String> set) {
        long timestamp = at.getEpochSecond();
        String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        String target = url.getRawQuery() == null ? path : path + "?" + url.getRawQuery();
        set.accept(IdentitySignature.TIMESTAMP, Long.toString(timestamp));
        set.accept(IdentitySignature.SIGNATURE, signature.sign(timestamp, method, target, headers));
    }

    /**
     * A WebClient / WebTestClient filter that signs every request as the gateway would, now, over the identity headers
     * the test set (none: a signed "no identity"). A request that already carries a signature header is left alone, so
     * a test can send a wrong one on purpose.
     */
    public org.springframework.web.reactive.function.client.ExchangeFilterFunction signing() {
        return signing(java.time.Clock.systemUTC());
    }

    /** {@link #signing()} at the time of {@code clock}: the service's own clock, when a test moves it. */
    public org.springframework.web.reactive.function.client.ExchangeFilterFunction signing(java.time.Clock clock) {
        return (request, next) -> {
            if (request.headers().containsHeader(IdentitySignature.SIGNATURE)) {
                return next.exchange(request);
            }
            return next.exchange(org.springframework.web.reactive.function.client.ClientRequest.from(request)
                    .headers(headers -> sign(request.method().name(), request.url(), clock.instant(), headers::getFirst,
                            headers::set))
                    .build());
        };
    }

    /** Whether {@code signatureHeader} signs a request with these parts, made with this key. */
    public boolean verifies(String signatureHeader, String timestampHeader, String method, String target,
                            Function<String, String> headers) {
        IdentitySignature.Header parsed = IdentitySignature.parse(signatureHeader);
        return parsed != null && timestampHeader != null && parsed.keyId().equals(signature.keyId())
                && signature.verifies(parsed.mac(), Long.parseLong(timestampHeader), method, target, headers);
    }
}
