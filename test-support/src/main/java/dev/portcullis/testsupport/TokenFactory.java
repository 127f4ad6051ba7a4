package dev.portcullis.testsupport;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.contract.TokenClaims;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Makes access tokens shaped as docs/contract.md says, valid by default, so that each forged variant in a test is one line:
 * {@code tokens.forUser("u1").expiresAt(past).sign()}, {@code tokens.forUser("u1").signedWith(TestKeys.ATTACKER).sign()}.
 */
public final class TokenFactory {

    private final JWK key;
    private final String issuer;
    private final String audience;
    private final Clock clock;

    public TokenFactory(JWK key, String issuer, String audience, Clock clock) {
        this.key = key;
        this.issuer = issuer;
        this.audience = audience;
        this.clock = clock;
    }

    public Token forUser(String subject) {
        return new Token(subject);
    }

    /** Replaces the payload of a signed token and keeps its signature: a tampered token. */
    public static String tamperPayload(String token, Map<String, Object> newClaims) {
        String[] parts = token.split("\\.");
        String payload;
        try {
            payload = Base64URL.encode(JWTClaimsSet.parse(newClaims).toString().getBytes(StandardCharsets.UTF_8)).toString();
        } catch (java.text.ParseException e) {
            throw new IllegalArgumentException(e);
        }
        return parts[0] + "." + payload + "." + parts[2];
    }

    /** One token being built; every setter returns {@code this}. */
    public final class Token {

        private final Map<String, Object> claims = new LinkedHashMap<>();
        private final List<String> removed = new ArrayList<>();
        private JWK signingKey = key;
        private JOSEObjectType type = new JOSEObjectType(TokenClaims.ACCESS_TOKEN_TYPE);
        private String keyId;
        private Consumer<JWSHeader.Builder> headerCustomizer = header -> { };

        private Token(String subject) {
            Instant now = clock.instant();
            claims.put(TokenClaims.ISSUER, issuer);
            claims.put(TokenClaims.SUBJECT, subject);
            claims.put(TokenClaims.AUDIENCE, List.of(audience));
            claims.put(TokenClaims.ISSUED_AT, now);
            claims.put(TokenClaims.NOT_BEFORE, now);
            claims.put(TokenClaims.EXPIRES_AT, now.plus(Duration.ofMinutes(15)));
            claims.put(TokenClaims.TOKEN_ID, UUID.randomUUID().toString());
            claims.put(TokenClaims.CLIENT_ID, "portcullis-web");
            claims.put(TokenClaims.USERNAME, subject);
            claims.put(TokenClaims.ROLE, "user");
            claims.put(TokenClaims.PERMISSIONS, List.of());
            claims.put(TokenClaims.SCOPE, "openid");
            claims.put(TokenClaims.AUTH_METHODS, List.of(TokenClaims.AMR_PASSWORD));
        }

        public Token role(String role) {
            return claim(TokenClaims.ROLE, role);
        }

        public Token permissions(String... permissions) {
            return claim(TokenClaims.PERMISSIONS, List.of(permissions));
        }

        public Token scope(String scope) {
            return claim(TokenClaims.SCOPE, scope);
        }

        public Token amr(String... methods) {
            return claim(TokenClaims.AUTH_METHODS, List.of(methods));
        }

        public Token jti(String jti) {
            return claim(TokenClaims.TOKEN_ID, jti);
        }

        public Token issuer(String value) {
            return claim(TokenClaims.ISSUER, value);
        }

        public Token audience(String... values) {
            return claim(TokenClaims.AUDIENCE, List.of(values));
        }

        public Token issuedAt(Instant instant) {
            return claim(TokenClaims.ISSUED_AT, instant);
        }

        public Token notBefore(Instant instant) {
            return claim(TokenClaims.NOT_BEFORE, instant);
        }

        public Token expiresAt(Instant instant) {
            return claim(TokenClaims.EXPIRES_AT, instant);
        }

        public Token claim(String name, Object value) {
            claims.put(name, value);
            removed.remove(name);
            return this;
        }

        public Token without(String claim) {
            claims.remove(claim);
            removed.add(claim);
            return this;
        }

        public Token type(String value) {
            type = value == null ? null : new JOSEObjectType(value);
            return this;
        }

        public Token keyId(String kid) {
            keyId = kid;
            return this;
        }

        public Token signedWith(JWK otherKey) {
            signingKey = otherKey;
            return this;
        }

        /** Extra header parameters, such as {@code jku} or an embedded {@code jwk}. */
        public Token header(Consumer<JWSHeader.Builder> customizer) {
            headerCustomizer = customizer;
            return this;
        }

        public JWTClaimsSet claimsSet() {
            JWTClaimsSet.Builder builder = new JWTClaimsSet.Builder();
            claims.forEach((name, value) -> builder.claim(name, value instanceof Instant instant ? Date.from(instant) : value));
            return builder.build();
        }

        public String sign() {
            JWSAlgorithm algorithm = signingKey instanceof ECKey ? JWSAlgorithm.ES256 : JWSAlgorithm.RS256;
            JWSHeader.Builder header = new JWSHeader.Builder(algorithm)
                    .keyID(keyId != null ? keyId : signingKey.getKeyID())
                    .type(type);
            headerCustomizer.accept(header);
            return sign(header.build(), signerFor(signingKey));
        }

        /** {@code alg: none}: the oldest trick. */
        public String unsigned() {
            String header = Base64URL.encode("{\"alg\":\"none\",\"typ\":\"at+jwt\",\"kid\":\"" + key.getKeyID() + "\"}").toString();
            return header + "." + claimsSet().toPayload().toBase64URL() + ".";
        }

        /** HS256 keyed with the RSA public key's bytes: the algorithm-confusion attack. */
        public String hmacWithPublicKey() {
            try {
                byte[] secret = ((RSAKey) key).toPublicJWK().toRSAPublicKey().getEncoded();
                JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(key.getKeyID()).type(type).build();
                return sign(header, new MACSigner(secret));
            } catch (JOSEException e) {
                throw new IllegalStateException(e);
            }
        }

        private String sign(JWSHeader header, JWSSigner signer) {
            SignedJWT jwt = new SignedJWT(header, claimsSet());
            try {
                jwt.sign(signer);
            } catch (JOSEException e) {
                throw new IllegalStateException(e);
            }
            return jwt.serialize();
        }
    }

    private static JWSSigner signerFor(JWK jwk) {
        try {
            return jwk instanceof ECKey ec ? new ECDSASigner(ec) : new RSASSASigner((RSAKey) jwk);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
