package dev.portcullis.contract;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The gateway's signature over the identity it forwards to one upstream, and the check a service makes of it. One
 * instance holds one HMAC-SHA256 key that only the gateway and that one service know, so a service cannot sign an
 * identity another service would believe.
 *
 * <p>What is signed (version 1), each field in this order, a present value as {@code <UTF-8 length>:<bytes>\n} and an
 * absent one as {@code -\n} (length-prefixed, so no value can shift the boundary of another, and "absent" differs from
 * "empty"): the version {@code v1}; the {@linkplain #keyId() key id}; the timestamp (epoch seconds, decimal); the
 * method; the request target as forwarded (raw path, plus {@code ?} and the raw query when there is one);
 * {@code x-request-id}; then every header of {@link #SIGNED_HEADERS}; then, only when it is present,
 * {@code x-user-issuer} (so a request without it signs as if the header did not exist, and adding or removing it
 * breaks the MAC). A request the gateway forwards without identity
 * (a public route) is signed with those headers absent, so its "no identity" cannot be upgraded by adding one.
 *
 * <p>The {@link #SIGNATURE} header is {@code v1.<key id>.<base64url HMAC, no padding>}; {@link #TIMESTAMP} carries
 * the timestamp. Thread-safe: each thread reuses its own {@link Mac} and scratch buffer, so a signature costs one
 * HMAC and no allocation beyond the header value.
 */
public final class IdentitySignature {

    /** Every incoming header whose normalised name starts with this is removed at the edge. */
    public static final String HEADER_PREFIX = "x-portcullis-identity-";
    public static final String SIGNATURE = "x-portcullis-identity-signature";
    /** Epoch seconds at which the gateway signed. */
    public static final String TIMESTAMP = "x-portcullis-identity-timestamp";
    public static final String VERSION = "v1";
    /** HMAC-SHA256 keys shorter than 256 bits are refused. */
    public static final int MIN_KEY_BYTES = 32;
    /** The identity headers a signature covers, in the order they are encoded. */
    public static final List<String> SIGNED_HEADERS = List.of(IdentityHeaders.USER_ID, IdentityHeaders.USER_ROLE,
            IdentityHeaders.USER_PERMISSIONS, IdentityHeaders.USER_SCOPES, IdentityHeaders.USER_AMR);

    private static final String ALGORITHM = "HmacSHA256";
    private static final int MAC_BYTES = 32;
    private static final byte[] KEY_ID_LABEL = "portcullis identity key id".getBytes(StandardCharsets.US_ASCII);
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

    private final SecretKeySpec key;
    private final String keyId;
    private final String headerStart;
    private final ThreadLocal<Scratch> scratch;

    private IdentitySignature(byte[] key) {
        this.key = new SecretKeySpec(key, ALGORITHM);
        this.scratch = ThreadLocal.withInitial(() -> new Scratch(newMac(this.key)));
        byte[] id = newMac(this.key).doFinal(KEY_ID_LABEL);
        this.keyId = BASE64URL.encodeToString(Arrays.copyOf(id, 9));
        this.headerStart = VERSION + "." + keyId + ".";
    }

    /** @throws IllegalArgumentException when the key is shorter than {@link #MIN_KEY_BYTES} */
    public static IdentitySignature withKey(byte[] key) {
        if (key == null || key.length < MIN_KEY_BYTES) {
            throw new IllegalArgumentException("an identity signing key needs at least " + MIN_KEY_BYTES * 8
                    + " bits, this one has " + (key == null ? 0 : key.length * 8));
        }
        return new IdentitySignature(key.clone());
    }

    /**
     * A key as an operator writes it: base64 or base64url of at least 32 random bytes ({@code openssl rand -base64 32}).
     *
     * @throws IllegalArgumentException naming what is wrong, never quoting the value
     */
    public static IdentitySignature withEncodedKey(String encoded) {
        if (encoded == null || encoded.isBlank()) {
            throw new IllegalArgumentException("no identity signing key is set");
        }
        byte[] key;
        try {
            String urlSafe = encoded.strip().replace('+', '-').replace('/', '_');
            int end = urlSafe.length();
            while (end > 0 && urlSafe.charAt(end - 1) == '=') {
                end--;
            }
            key = Base64.getUrlDecoder().decode(urlSafe.substring(0, end));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("an identity signing key must be base64 (for example `openssl rand -base64 32`)");
        }
        return withKey(key);
    }

    /**
     * A short public name of the key (derived from it by HMAC, so it reveals nothing of it), sent with each signature
     * so that a service holding two keys during a rotation knows which one to check with.
     */
    public String keyId() {
        return keyId;
    }

    /**
     * The {@link #SIGNATURE} header value for a request.
     *
     * @param timestamp epoch seconds, also sent as {@link #TIMESTAMP}
     * @param method    the method as forwarded
     * @param target    the raw path and, after {@code ?}, the raw query as forwarded
     * @param headers   the value of a forwarded header by its name, or null when absent
     */
    public String sign(long timestamp, String method, String target, Function<String, String> headers) {
        Scratch s = mac(timestamp, method, target, headers);
        return headerStart + BASE64URL.encodeToString(s.out);
    }

    /**
     * Whether {@code mac} (the base64url part of a {@link #SIGNATURE} header made with this key) signs this request.
     * Compared in constant time.
     */
    public boolean verifies(String mac, long timestamp, String method, String target, Function<String, String> headers) {
        byte[] offered;
        try {
            offered = Base64.getUrlDecoder().decode(mac);
        } catch (IllegalArgumentException e) {
            return false;
        }
        Scratch s = mac(timestamp, method, target, headers);
        return MessageDigest.isEqual(s.out, offered);
    }

    /** The parts of a {@link #SIGNATURE} header, or null when it is not {@code v1.<key id>.<mac>}. */
    public static Header parse(String value) {
        int start = VERSION.length() + 1;
        if (value == null || value.length() <= start || !value.startsWith(VERSION) || value.charAt(VERSION.length()) != '.') {
            return null;
        }
        int dot = value.indexOf('.', start);
        if (dot <= start || dot == value.length() - 1 || value.indexOf('.', dot + 1) >= 0) {
            return null;
        }
        return new Header(value.substring(start, dot), value.substring(dot + 1));
    }

    /** A parsed {@link #SIGNATURE} header. */
    public record Header(String keyId, String mac) {
    }

    private Scratch mac(long timestamp, String method, String target, Function<String, String> headers) {
        Scratch s = scratch.get();
        s.length = 0;
        s.field(VERSION);
        s.field(keyId);
        s.field(Long.toString(timestamp));
        s.field(method);
        s.field(target);
        s.field(headers.apply(IdentityHeaders.REQUEST_ID));
        for (int i = 0; i < SIGNED_HEADERS.size(); i++) {
            s.field(headers.apply(SIGNED_HEADERS.get(i)));
        }
        String issuer = headers.apply(IdentityHeaders.USER_ISSUER);
        if (issuer != null) {
            s.field(issuer);
        }
        Mac mac = s.mac;
        mac.update(s.buffer, 0, s.length);
        try {
            mac.doFinal(s.out, 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 failed", e);
        }
        return s;
    }

    private static Mac newMac(SecretKeySpec key) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available", e);
        }
    }

    /** One thread's Mac (already keyed; doFinal resets it) and the buffer the canonical encoding is written into. */
    private static final class Scratch {

        final Mac mac;
        final byte[] out = new byte[MAC_BYTES];
        byte[] buffer = new byte[512];
        int length;

        Scratch(Mac mac) {
            this.mac = mac;
        }

        void field(String value) {
            if (value == null) {
                ensure(2);
                buffer[length++] = '-';
                buffer[length++] = '\n';
                return;
            }
            byte[] utf8 = null;
            int bytes = value.length();
            for (int i = 0; i < value.length(); i++) {
                if (value.charAt(i) >= 0x80) {
                    utf8 = value.getBytes(StandardCharsets.UTF_8);
                    bytes = utf8.length;
                    break;
                }
            }
            ensure(bytes + 12);
            writeDecimal(bytes);
            buffer[length++] = ':';
            if (utf8 != null) {
                System.arraycopy(utf8, 0, buffer, length, bytes);
                length += bytes;
            } else {
                for (int i = 0; i < bytes; i++) {
                    buffer[length++] = (byte) value.charAt(i);
                }
            }
            buffer[length++] = '\n';
        }

        private void writeDecimal(int value) {
            int digits = 1;
            for (int rest = value; rest >= 10; rest /= 10) {
                digits++;
            }
            for (int i = digits - 1; i >= 0; i--) {
                buffer[length + i] = (byte) ('0' + value % 10);
                value /= 10;
            }
            length += digits;
        }

        private void ensure(int more) {
            if (length + more > buffer.length) {
                buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, length + more));
            }
        }
    }
}
