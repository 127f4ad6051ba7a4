package dev.portcullis.auth.keys;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import dev.portcullis.auth.config.SecureRandoms;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;

/**
 * Everything this service does with a signing JWK, in the one place that knows the two key types it accepts (RSA,
 * signing RS256, and EC P-256, signing ES256): generating one, setting its schedule ({@code iat}/{@code nbf}/
 * {@code exp}), its public half for the JWKS, and the signer and verifier that go with it.
 */
public final class SigningJwks {

    /** The algorithm {@code portcullis.auth.keys.algorithm} names for EC P-256 keys; anything else means RSA. */
    static final String ES256 = "ES256";

    private SigningJwks() {
    }

    /** A fresh key pair with a random kid and no schedule yet ({@link #scheduled} gives it one). */
    static JWK generate(String algorithm, int rsaKeySize) {
        String kid = SecureRandoms.base64Url(12);
        try {
            if (ES256.equals(algorithm)) {
                return new ECKeyGenerator(Curve.P_256).keyID(kid).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.ES256)
                        .generate();
            }
            return new RSAKeyGenerator(rsaKeySize).keyID(kid).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.RS256)
                    .generate();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot generate a signing key", e);
        }
    }

    /**
     * The key with this schedule: created at {@code createdAt}, signing from {@code activatesAt}, published until
     * {@code expiresAt}. A null leaves the parameter out (no {@code exp}: published until another key replaces it).
     */
    static JWK scheduled(JWK key, Instant createdAt, Instant activatesAt, Instant expiresAt) {
        Date iat = date(createdAt);
        Date nbf = date(activatesAt);
        Date exp = date(expiresAt);
        if (key instanceof RSAKey rsa) {
            return new RSAKey.Builder(rsa).issueTime(iat).notBeforeTime(nbf).expirationTime(exp).build();
        }
        if (key instanceof ECKey ec) {
            return new ECKey.Builder(ec).issueTime(iat).notBeforeTime(nbf).expirationTime(exp).build();
        }
        throw unsupported(key);
    }

    /** The public half as the JWKS lists it: kid, use and algorithm; no schedule (verifiers need none of it). */
    static JWK publicOnly(JWK key) {
        try {
            if (key instanceof RSAKey rsa) {
                return new RSAKey.Builder(rsa.toRSAPublicKey()).keyID(rsa.getKeyID()).keyUse(KeyUse.SIGNATURE)
                        .algorithm(algorithm(key)).build();
            }
            if (key instanceof ECKey ec) {
                return new ECKey.Builder(ec.getCurve(), ec.toECPublicKey()).keyID(ec.getKeyID()).keyUse(KeyUse.SIGNATURE)
                        .algorithm(algorithm(key)).build();
            }
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        throw unsupported(key);
    }

    /** The one algorithm this key signs with. */
    public static JWSAlgorithm algorithm(JWK key) {
        if (key instanceof ECKey) {
            return JWSAlgorithm.ES256;
        }
        if (key instanceof RSAKey) {
            return JWSAlgorithm.RS256;
        }
        throw unsupported(key);
    }

    /** A signer with the private key. */
    public static JWSSigner signer(JWK key) throws JOSEException {
        if (key instanceof ECKey ec) {
            return new ECDSASigner(ec);
        }
        if (key instanceof RSAKey rsa) {
            return new RSASSASigner(rsa);
        }
        throw unsupported(key);
    }

    /**
     * A verifier for a token signed with {@code algorithm}, or empty when that is not this key's algorithm: a token
     * names its algorithm, and only the key's own is believed (no HS256 keyed with the public key).
     */
    public static Optional<JWSVerifier> verifier(JWK key, JWSAlgorithm algorithm) throws JOSEException {
        if (!algorithm(key).equals(algorithm)) {
            return Optional.empty();
        }
        return Optional.of(key instanceof ECKey ec ? new ECDSAVerifier(ec) : new RSASSAVerifier((RSAKey) key));
    }

    private static Date date(Instant instant) {
        return instant == null ? null : Date.from(instant);
    }

    private static IllegalStateException unsupported(JWK key) {
        return new IllegalStateException("unsupported key type " + key.getKeyType());
    }
}
