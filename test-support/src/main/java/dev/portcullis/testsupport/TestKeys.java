package dev.portcullis.testsupport;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import java.util.Arrays;
import java.util.List;

/**
 * Signing keys for tests, generated once per JVM. {@link #RSA} is the one the test JWKS publishes; {@link #ATTACKER}
 * never is, so a token it signs is a forgery even though it carries a well-known kid.
 */
public final class TestKeys {

    public static final RSAKey RSA = rsa("test-rsa-1");
    public static final RSAKey RSA_NEXT = rsa("test-rsa-2");
    public static final RSAKey ATTACKER = rsa("test-rsa-1");
    public static final ECKey EC = ec("test-ec-1");

    private TestKeys() {
    }

    public static RSAKey rsa(String kid) {
        try {
            return new RSAKeyGenerator(2048).keyID(kid).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.RS256).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An RSA key too short to be trusted (1024 bits), for tests that must see it refused. */
    public static RSAKey rsaWeak(String kid) {
        try {
            return new RSAKeyGenerator(1024, true).keyID(kid).keyUse(KeyUse.SIGNATURE).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    public static ECKey ec(String kid) {
        try {
            return new ECKeyGenerator(Curve.P_256).keyID(kid).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.ES256).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The public JWKS document of the given keys, as an auth service would publish it. */
    public static String jwksJson(JWK... keys) {
        List<JWK> publicKeys = Arrays.stream(keys).map(JWK::toPublicJWK).toList();
        return new JWKSet(publicKeys).toString(true);
    }
}
