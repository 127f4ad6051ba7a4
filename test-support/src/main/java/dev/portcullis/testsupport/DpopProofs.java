package dev.portcullis.testsupport;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Makes DPoP proofs (RFC 9449) with a client's P-256 key, valid by default, so that each broken variant in a test is
 * one line: {@code DpopProofs.of(key).method("GET").url(u).token(t).issuedAt(past).sign()}.
 */
public final class DpopProofs {

    private DpopProofs() {
    }

    /** A fresh client key pair, as a browser's WebCrypto would make one. */
    public static ECKey newKey() {
        try {
            return new ECKeyGenerator(Curve.P_256).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The RFC 7638 thumbprint the auth service puts in {@code cnf.jkt}. */
    public static String thumbprint(JWK key) {
        try {
            return key.computeThumbprint().toString();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code ath}: base64url of the SHA-256 of the token. */
    public static String hash(String accessToken) {
        try {
            return Base64URL.encode(MessageDigest.getInstance("SHA-256").digest(accessToken.getBytes(StandardCharsets.US_ASCII)))
                    .toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Proof of(ECKey key) {
        return new Proof(key);
    }

    /** One proof being built. */
    public static final class Proof {

        private final ECKey key;
        private JWK embedded;
        private String type = "dpop+jwt";
        private String method = "GET";
        private String url = "http://localhost/";
        private Instant issuedAt = Instant.now();
        private String jti = UUID.randomUUID().toString();
        private final Map<String, Object> extra = new LinkedHashMap<>();

        private Proof(ECKey key) {
            this.key = key;
            this.embedded = key.toPublicJWK();
        }

        public Proof method(String value) {
            this.method = value;
            return this;
        }

        public Proof url(String value) {
            this.url = value;
            return this;
        }

        /** Binds the proof to an access token ({@code ath}). */
        public Proof token(String accessToken) {
            extra.put("ath", hash(accessToken));
            return this;
        }

        public Proof issuedAt(Instant value) {
            this.issuedAt = value;
            return this;
        }

        public Proof jti(String value) {
            this.jti = value;
            return this;
        }

        public Proof nonce(String value) {
            extra.put("nonce", value);
            return this;
        }

        public Proof type(String value) {
            this.type = value;
            return this;
        }

        public Proof claim(String name, Object value) {
            extra.put(name, value);
            return this;
        }

        /** Puts another key (public or, to test the refusal, private) in the {@code jwk} header. */
        public Proof embedding(JWK value) {
            this.embedded = value;
            return this;
        }

        public String sign() {
            JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().jwtID(jti).issueTime(Date.from(issuedAt))
                    .claim("htm", method).claim("htu", url);
            extra.forEach(claims::claim);
            try {
                if (embedded.isPrivate()) {
                    // nimbus will not put a private key in a header: written by hand, as a careless client would
                    Map<String, Object> header = new LinkedHashMap<>();
                    header.put("typ", type);
                    header.put("alg", "ES256");
                    header.put("jwk", embedded.toJSONObject());
                    String input = Base64URL.encode(JSONObjectUtils.toJSONString(header)) + "."
                            + Base64URL.encode(claims.build().toString());
                    Base64URL signature = new ECDSASigner(key).sign(new JWSHeader(JWSAlgorithm.ES256),
                            input.getBytes(StandardCharsets.US_ASCII));
                    return input + "." + signature;
                }
                JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.ES256).type(new JOSEObjectType(type)).jwk(embedded).build();
                SignedJWT jwt = new SignedJWT(header, claims.build());
                jwt.sign(new ECDSASigner(key));
                return jwt.serialize();
            } catch (JOSEException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
