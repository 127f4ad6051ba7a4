package dev.portcullis.dpop;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;

/**
 * Checks a DPoP proof (RFC 9449 section 4.3) against the request it came with: exactly one {@code DPoP} header holding
 * a compact JWS whose {@code typ} is {@code dpop+jwt}, signed with an allowed asymmetric algorithm by the public key in
 * its {@code jwk} header; {@code htm} and {@code htu} naming this request; {@code iat} inside the window; a bounded
 * {@code jti}; {@code ath} the hash of the access token when one is presented; and, when server nonces are on, a
 * current {@code nonce}. Pure and thread-safe: the replay of the {@code jti} is {@link DpopReplayCache}'s job.
 *
 * <p>The auth service (token requests, its own protected endpoints) and the gateway (every request with a bound token)
 * use this one class, so the two can never check proofs differently.
 */
public final class DpopProofVerifier {

    /** The request header carrying the proof. */
    public static final String HEADER = "DPoP";
    /** The response header carrying a server nonce. */
    public static final String NONCE_HEADER = "DPoP-Nonce";
    /** The {@code Authorization} scheme of a bound token. */
    public static final String SCHEME = "DPoP";
    public static final JOSEObjectType TYPE = new JOSEObjectType("dpop+jwt");

    /** A proof longer than this is not parsed (a P-256 proof is about 600 characters, an RSA-4096 one about 2,000). */
    static final int MAX_PROOF_LENGTH = 8192;
    /** Members of a JWK that only a private key has (RFC 7518 6.2.2, 6.3.2; {@code k} of a symmetric key). */
    private static final List<String> PRIVATE_MEMBERS = List.of("d", "p", "q", "dp", "dq", "qi", "oth", "k");
    private static final int MIN_RSA_BITS = 2048;

    private final DpopRules rules;
    private final DpopNonces nonces;

    /**
     * @param nonces the server nonces every proof must carry, or null when nonces are off
     */
    public DpopProofVerifier(DpopRules rules, DpopNonces nonces) {
        this.rules = rules;
        this.nonces = nonces;
    }

    public DpopRules rules() {
        return rules;
    }

    /** The nonces proofs must carry, or null when they are off. */
    public DpopNonces nonces() {
        return nonces;
    }

    /**
     * @param headerValues every {@code DPoP} header of the request (null or empty: none)
     * @param method       the request method
     * @param requestUri   the request's public URI, normalised ({@link DpopTargetUri})
     * @param accessToken  the access token presented with the proof, or null (a token request)
     * @param now          this server's clock
     */
    public DpopCheck verify(List<String> headerValues, String method, String requestUri, String accessToken, Instant now) {
        if (headerValues == null || headerValues.isEmpty()) {
            return DpopCheck.refused(DpopFailure.MISSING, "A DPoP proof is required");
        }
        if (headerValues.size() > 1) {
            return DpopCheck.refused(DpopFailure.MULTIPLE, "Exactly one DPoP header is allowed");
        }
        String proof = headerValues.getFirst();
        if (proof == null || proof.isEmpty() || proof.length() > MAX_PROOF_LENGTH) {
            return DpopCheck.refused(DpopFailure.MALFORMED, "The DPoP proof is empty or too long");
        }
        SignedJWT jwt;
        try {
            DpopCheck privateKey = refusePrivateKey(proof);
            if (privateKey != null) {
                return privateKey;
            }
            jwt = SignedJWT.parse(proof);
        } catch (ParseException | RuntimeException e) {
            return DpopCheck.refused(DpopFailure.MALFORMED, "The DPoP proof is not a well-formed JWS");
        }
        JWSHeader header = jwt.getHeader();
        if (!TYPE.equals(header.getType())) {
            return DpopCheck.refused(DpopFailure.WRONG_TYPE, "The DPoP proof's typ must be dpop+jwt");
        }
        JWSAlgorithm algorithm = header.getAlgorithm();
        if (!rules.accepts(algorithm)) {
            return DpopCheck.refused(DpopFailure.DISALLOWED_ALGORITHM, "The DPoP proof's algorithm is not accepted");
        }
        JWK jwk = header.getJWK();
        if (jwk == null) {
            return DpopCheck.refused(DpopFailure.BAD_KEY, "The DPoP proof has no jwk header");
        }
        if (jwk.isPrivate()) {
            return DpopCheck.refused(DpopFailure.PRIVATE_KEY, "The DPoP proof's jwk must be a public key");
        }
        JWSVerifier verifier;
        try {
            verifier = verifierFor(algorithm, jwk);
            if (verifier == null) {
                return DpopCheck.refused(DpopFailure.BAD_KEY, "The DPoP proof's jwk does not fit its algorithm");
            }
            if (!jwt.verify(verifier)) {
                return DpopCheck.refused(DpopFailure.BAD_SIGNATURE, "The DPoP proof's signature does not verify");
            }
        } catch (JOSEException | RuntimeException e) {
            return DpopCheck.refused(DpopFailure.BAD_SIGNATURE, "The DPoP proof's signature does not verify");
        }
        JWTClaimsSet claims;
        String htm;
        String htu;
        String ath;
        String nonce;
        Date issued;
        String jti;
        try {
            claims = jwt.getJWTClaimsSet();
            htm = claims.getStringClaim("htm");
            htu = claims.getStringClaim("htu");
            ath = claims.getStringClaim("ath");
            nonce = claims.getStringClaim("nonce");
            issued = claims.getIssueTime();
            jti = claims.getStringClaim("jti");
        } catch (ParseException | RuntimeException e) {
            return DpopCheck.refused(DpopFailure.MALFORMED, "A DPoP proof claim has the wrong type");
        }
        if (htm == null || !htm.equals(method)) {
            return DpopCheck.refused(DpopFailure.METHOD_MISMATCH, "The DPoP proof is for another HTTP method");
        }
        String proofUri = DpopTargetUri.normalize(htu);
        if (proofUri == null || !proofUri.equals(requestUri)) {
            return DpopCheck.refused(DpopFailure.URL_MISMATCH, "The DPoP proof is for another URL");
        }
        if (nonces != null && (nonce == null || !nonces.accepts(nonce, now))) {
            return DpopCheck.refused(DpopFailure.NONCE_REQUIRED, "Resource server requires nonce in DPoP proof");
        }
        if (issued == null) {
            return DpopCheck.refused(DpopFailure.MALFORMED, "The DPoP proof has no iat");
        }
        Instant issuedAt = issued.toInstant();
        if (issuedAt.isBefore(now.minus(rules.maxAge()))) {
            return DpopCheck.refused(DpopFailure.EXPIRED, "The DPoP proof is too old");
        }
        if (issuedAt.isAfter(now.plus(rules.futureSkew()))) {
            return DpopCheck.refused(DpopFailure.ISSUED_IN_FUTURE, "The DPoP proof is issued in the future");
        }
        if (jti == null || jti.isEmpty() || jti.length() > rules.maxJtiLength()) {
            return DpopCheck.refused(DpopFailure.BAD_JTI, "The DPoP proof's jti is missing or too long");
        }
        if (accessToken != null && (ath == null || !MessageDigest.isEqual(
                ath.getBytes(StandardCharsets.US_ASCII), accessTokenHash(accessToken).getBytes(StandardCharsets.US_ASCII)))) {
            return DpopCheck.refused(DpopFailure.ATH_MISMATCH, "The DPoP proof's ath is not the access token's hash");
        }
        String thumbprint;
        try {
            thumbprint = jwk.computeThumbprint().toString();
        } catch (JOSEException e) {
            return DpopCheck.refused(DpopFailure.BAD_KEY, "The DPoP proof's jwk has no thumbprint");
        }
        return new DpopCheck.Accepted(thumbprint, jti, issuedAt);
    }

    /** {@code ath}: base64url (no padding) of the SHA-256 of the access token's ASCII (RFC 9449 4.2). */
    public static String accessTokenHash(String accessToken) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            return Base64URL.encode(sha256.digest(accessToken.getBytes(StandardCharsets.US_ASCII))).toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /**
     * Refuses a proof whose {@code jwk} header carries private members before nimbus parses it: nimbus refuses those
     * too, but only as a parse error, and a client that leaks its private key deserves to be told so.
     */
    private static DpopCheck refusePrivateKey(String proof) throws ParseException {
        int dot = proof.indexOf('.');
        if (dot <= 0) {
            throw new ParseException("not a compact JWS", 0);
        }
        Map<String, Object> header = JSONObjectUtils.parse(new Base64URL(proof.substring(0, dot)).decodeToString());
        Object jwk = header.get("jwk");
        if (jwk instanceof Map<?, ?> members) {
            for (String member : PRIVATE_MEMBERS) {
                if (members.containsKey(member)) {
                    return DpopCheck.refused(DpopFailure.PRIVATE_KEY, "The DPoP proof's jwk must be a public key");
                }
            }
        }
        return null;
    }

    /** The verifier for this algorithm and key, or null when the key does not fit the algorithm. */
    private static JWSVerifier verifierFor(JWSAlgorithm algorithm, JWK jwk) throws JOSEException {
        if (JWSAlgorithm.Family.EC.contains(algorithm)) {
            if (!(jwk instanceof ECKey ec)) {
                return null;
            }
            Curve expected = algorithm.equals(JWSAlgorithm.ES256) ? Curve.P_256
                    : algorithm.equals(JWSAlgorithm.ES384) ? Curve.P_384 : null;
            return expected != null && expected.equals(ec.getCurve()) ? new ECDSAVerifier(ec.toECPublicKey()) : null;
        }
        if (JWSAlgorithm.Family.RSA.contains(algorithm)) {
            if (!(jwk instanceof RSAKey rsa) || rsa.size() < MIN_RSA_BITS) {
                return null;
            }
            return new RSASSAVerifier(rsa.toRSAPublicKey());
        }
        return null;
    }

    /** The window of a proof's {@code iat}, for docs and the replay TTL. */
    public Duration replayWindow() {
        return rules.replayWindow();
    }
}
