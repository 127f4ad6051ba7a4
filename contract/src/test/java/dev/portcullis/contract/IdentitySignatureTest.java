package dev.portcullis.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class IdentitySignatureTest {

    static final IdentitySignature KEY = IdentitySignature.withKey(randomKey());
    static final IdentitySignature OTHER = IdentitySignature.withKey(randomKey());
    static final long NOW = 1_790_000_000L;

    static byte[] randomKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return key;
    }

    static Map<String, String> identity() {
        Map<String, String> headers = new HashMap<>();
        headers.put(IdentityHeaders.REQUEST_ID, "req-1");
        headers.put(IdentityHeaders.USER_ID, "u-alice");
        headers.put(IdentityHeaders.USER_ROLE, "user");
        headers.put(IdentityHeaders.USER_PERMISSIONS, "orders:read,orders:write");
        headers.put(IdentityHeaders.USER_SCOPES, "openid");
        headers.put(IdentityHeaders.USER_AMR, "pwd");
        return headers;
    }

    static String mac(String header) {
        return IdentitySignature.parse(header).mac();
    }

    @Test
    void aSignatureVerifiesWithItsOwnKeyOnly() {
        Map<String, String> headers = identity();
        String header = KEY.sign(NOW, "GET", "/orders?page=2", headers::get);

        assertThat(header).startsWith("v1." + KEY.keyId() + ".");
        assertThat(KEY.verifies(mac(header), NOW, "GET", "/orders?page=2", headers::get)).isTrue();
        assertThat(OTHER.verifies(mac(header), NOW, "GET", "/orders?page=2", headers::get)).isFalse();
        assertThat(KEY.keyId()).isNotEqualTo(OTHER.keyId()).matches("[A-Za-z0-9_-]{12}");
    }

    @Test
    void changingAnySignedFieldBreaksTheSignature() {
        Map<String, String> headers = identity();
        String mac = mac(KEY.sign(NOW, "GET", "/orders", headers::get));

        assertThat(KEY.verifies(mac, NOW + 1, "GET", "/orders", headers::get)).isFalse();
        assertThat(KEY.verifies(mac, NOW, "POST", "/orders", headers::get)).isFalse();
        assertThat(KEY.verifies(mac, NOW, "GET", "/orders/o-1", headers::get)).isFalse();
        for (String name : List.of(IdentityHeaders.REQUEST_ID, IdentityHeaders.USER_ID, IdentityHeaders.USER_ROLE,
                IdentityHeaders.USER_PERMISSIONS, IdentityHeaders.USER_SCOPES, IdentityHeaders.USER_AMR)) {
            Map<String, String> tampered = identity();
            tampered.put(name, tampered.get(name) + "x");
            assertThat(KEY.verifies(mac, NOW, "GET", "/orders", tampered::get)).as(name).isFalse();
            tampered.remove(name);
            assertThat(KEY.verifies(mac, NOW, "GET", "/orders", tampered::get)).as(name + " removed").isFalse();
        }
    }

    @Test
    void theIssuerHeaderIsSignedWhenPresentAndARequestWithoutItSignsAsBefore() {
        Map<String, String> headers = identity();
        String withoutIssuer = mac(KEY.sign(NOW, "GET", "/orders", headers::get));
        Map<String, String> withIssuer = new HashMap<>(headers);
        withIssuer.put(IdentityHeaders.USER_ISSUER, "corp-keycloak");
        String mac = mac(KEY.sign(NOW, "GET", "/orders", withIssuer::get));

        assertThat(mac).isNotEqualTo(withoutIssuer);
        assertThat(KEY.verifies(mac, NOW, "GET", "/orders", withIssuer::get)).isTrue();
        assertThat(KEY.verifies(mac, NOW, "GET", "/orders", headers::get)).as("issuer dropped").isFalse();
        withIssuer.put(IdentityHeaders.USER_ISSUER, "other-idp");
        assertThat(KEY.verifies(mac, NOW, "GET", "/orders", withIssuer::get)).as("issuer changed").isFalse();
        assertThat(KEY.verifies(withoutIssuer, NOW, "GET", "/orders", headers::get)).isTrue();
    }

    @Test
    void anAbsentIdentityIsSignedAndCannotBeUpgraded() {
        Map<String, String> anonymous = new HashMap<>(Map.of(IdentityHeaders.REQUEST_ID, "req-1"));
        String mac = mac(KEY.sign(NOW, "GET", "/products", anonymous::get));
        assertThat(KEY.verifies(mac, NOW, "GET", "/products", anonymous::get)).isTrue();

        anonymous.put(IdentityHeaders.USER_ID, "u-admin");
        assertThat(KEY.verifies(mac, NOW, "GET", "/products", anonymous::get)).isFalse();
        Map<String, String> empty = new HashMap<>(Map.of(IdentityHeaders.REQUEST_ID, "req-1", IdentityHeaders.USER_ID, ""));
        assertThat(KEY.verifies(mac, NOW, "GET", "/products", empty::get)).as("empty is not absent").isFalse();
    }

    @Test
    void valuesCannotBeShiftedAcrossFieldBoundaries() {
        Map<String, String> a = identity();
        a.put(IdentityHeaders.USER_ID, "u-a");
        a.put(IdentityHeaders.USER_ROLE, "dmin");
        Map<String, String> b = identity();
        b.put(IdentityHeaders.USER_ID, "u-");
        b.put(IdentityHeaders.USER_ROLE, "admin");

        String mac = mac(KEY.sign(NOW, "GET", "/x", a::get));
        assertThat(KEY.verifies(mac, NOW, "GET", "/x", b::get)).isFalse();
        assertThat(KEY.verifies(mac(KEY.sign(NOW, "GET", "/x", b::get)), NOW, "GET", "/x", b::get)).isTrue();
    }

    @Test
    void signsNonAsciiValuesAsUtf8() {
        Map<String, String> headers = identity();
        headers.put(IdentityHeaders.USER_ID, "u-ünïcødé");
        String mac = mac(KEY.sign(NOW, "GET", "/x", headers::get));
        assertThat(KEY.verifies(mac, NOW, "GET", "/x", headers::get)).isTrue();
        headers.put(IdentityHeaders.USER_ID, "u-unicode");
        assertThat(KEY.verifies(mac, NOW, "GET", "/x", headers::get)).isFalse();
    }

    @Test
    void refusesKeysShorterThan256BitsAndValuesThatAreNotBase64() {
        assertThatThrownBy(() -> IdentitySignature.withKey(new byte[31])).hasMessageContaining("256 bits");
        String shortKey = Base64.getEncoder().encodeToString(new byte[16]);
        assertThatThrownBy(() -> IdentitySignature.withEncodedKey(shortKey)).hasMessageContaining("has 128");
        assertThatThrownBy(() -> IdentitySignature.withEncodedKey("not base64 at all!"))
                .hasMessageContaining("base64").hasMessageNotContaining("not base64 at all");
        assertThatThrownBy(() -> IdentitySignature.withEncodedKey("  ")).hasMessageContaining("no identity signing key");
    }

    @Test
    void readsAKeyInBase64OrBase64UrlWithOrWithoutPadding() {
        byte[] key = randomKey();
        key[0] = (byte) 0xfb; // makes '+' / '-' and '/' / '_' likely in the encodings
        key[1] = (byte) 0xff;
        String standard = Base64.getEncoder().encodeToString(key);
        String url = Base64.getUrlEncoder().withoutPadding().encodeToString(key);

        assertThat(IdentitySignature.withEncodedKey(standard).keyId())
                .isEqualTo(IdentitySignature.withEncodedKey(url).keyId())
                .isEqualTo(IdentitySignature.withKey(key).keyId());
    }

    @Test
    void parsesOnlyWellFormedSignatureHeaders() {
        assertThat(IdentitySignature.parse("v1.kid.mac")).isEqualTo(new IdentitySignature.Header("kid", "mac"));
        for (String bad : new String[] {null, "", "v1", "v1.", "v1.kid", "v1.kid.", "v1..mac", "v2.kid.mac", "v1.k.i.d",
                "xv1.kid.mac"}) {
            assertThat(IdentitySignature.parse(bad)).as(String.valueOf(bad)).isNull();
        }
        assertThat(KEY.verifies("!!not-base64!!", NOW, "GET", "/", name -> null)).isFalse();
    }

    @Test
    void signsConsistentlyFromManyThreadsAtOnce() throws Exception {
        Map<String, String> headers = identity();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Boolean>> work = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                String target = "/orders/o-" + i;
                Function<String, String> values = headers::get;
                work.add(() -> {
                    String header = KEY.sign(NOW, "GET", target, values);
                    return KEY.verifies(mac(header), NOW, "GET", target, values)
                            && !KEY.verifies(mac(header), NOW, "GET", target + "0", values);
                });
            }
            for (Future<Boolean> result : pool.invokeAll(work)) {
                assertThat(result.get()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void identityAndSignatureHeadersAreRecognisedByNormalisedName() {
        assertThat(IdentityHeaders.isIdentityHeader("x_user_id")).isTrue();
        assertThat(IdentityHeaders.isIdentityHeader("X_User-Role")).isTrue();
        assertThat(IdentityHeaders.isIdentityHeader("x-userid")).isFalse();
        assertThat(IdentityHeaders.startsWithNormalized("X_PORTCULLIS_IDENTITY_SIGNATURE", IdentitySignature.HEADER_PREFIX))
                .isTrue();
        assertThat(IdentityHeaders.equalsNormalized("X_Request_Id", IdentityHeaders.REQUEST_ID)).isTrue();
        assertThat(IdentityHeaders.equalsNormalized("x-request-ids", IdentityHeaders.REQUEST_ID)).isFalse();
    }
}
