package dev.portcullis.gateway.keys;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * A public key from the trusted JWKS with a ready verifier for each allowed algorithm it may be used with. Built once
 * per key-set fetch, so verifying a token never converts a JWK again.
 */
public final class TrustedKey {

    /** RSA keys below this size are not trusted (NIST SP 800-131A). */
    static final int MIN_RSA_BITS = 2048;

    private final String keyId;
    private final Map<JWSAlgorithm, JWSVerifier> verifiers;

    private TrustedKey(String keyId, Map<JWSAlgorithm, JWSVerifier> verifiers) {
        this.keyId = keyId;
        this.verifiers = Map.copyOf(verifiers);
    }

    /**
     * @return the key, or null when it cannot verify any allowed algorithm (wrong use, weak, or an {@code alg}
     *         parameter that pins it to an algorithm not on the allow-list)
     */
    static TrustedKey of(JWK jwk, Set<JWSAlgorithm> allowed) {
        if (jwk.getKeyID() == null || (jwk.getKeyUse() != null && !KeyUse.SIGNATURE.equals(jwk.getKeyUse()))) {
            return null;
        }
        Map<JWSAlgorithm, JWSVerifier> verifiers = new HashMap<>();
        try {
            for (JWSAlgorithm algorithm : allowed) {
                if (jwk.getAlgorithm() != null && !jwk.getAlgorithm().getName().equals(algorithm.getName())) {
                    continue;
                }
                JWSVerifier verifier = verifierFor(jwk.toPublicJWK(), algorithm);
                if (verifier != null) {
                    verifiers.put(algorithm, verifier);
                }
            }
        } catch (JOSEException e) {
            return null;
        }
        return verifiers.isEmpty() ? null : new TrustedKey(jwk.getKeyID(), verifiers);
    }

    private static JWSVerifier verifierFor(JWK jwk, JWSAlgorithm algorithm) throws JOSEException {
        if (JWSAlgorithm.Family.RSA.contains(algorithm) && jwk instanceof RSAKey rsa && rsa.size() >= MIN_RSA_BITS) {
            return new RSASSAVerifier(rsa);
        }
        if (jwk instanceof ECKey ec && curveOf(algorithm) != null && curveOf(algorithm).equals(ec.getCurve())) {
            return new ECDSAVerifier(ec);
        }
        return null;
    }

    private static Curve curveOf(JWSAlgorithm algorithm) {
        if (JWSAlgorithm.ES256.equals(algorithm)) {
            return Curve.P_256;
        }
        if (JWSAlgorithm.ES384.equals(algorithm)) {
            return Curve.P_384;
        }
        return null;
    }

    public String keyId() {
        return keyId;
    }

    /** @return the verifier for this algorithm, or null when this key must not verify it */
    public JWSVerifier verifierFor(JWSAlgorithm algorithm) {
        return verifiers.get(algorithm);
    }
}
