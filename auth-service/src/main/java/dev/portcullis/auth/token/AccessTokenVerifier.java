package dev.portcullis.auth.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.auth.config.AuthProperties;
import dev.portcullis.auth.keys.KeyManager;
import dev.portcullis.auth.revocation.RevocationStore;
import dev.portcullis.auth.web.ApiException;
import dev.portcullis.contract.TokenClaims;
import dev.portcullis.dpop.DpopBinding;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Checks a user access token the way the gateway does, so that this service never trusts {@code x-user-*} headers:
 * {@code typ at+jwt}, a {@code kid} we publish, the algorithm of that key, the signature, {@code iss}, {@code aud}
 * containing our audience, {@code exp}/{@code nbf} with the clock skew, and finally the Redis revocation keys.
 * Failures are {@link ApiException#invalidToken} with a short reason; a Redis failure propagates and becomes 503
 * (fail closed: no revocation state, no access).
 */
@Component
public final class AccessTokenVerifier {

    private final KeyManager keys;
    private final RevocationStore revocations;
    private final Clock clock;
    private final String issuer;
    private final String audience;
    private final Duration skew;

    AccessTokenVerifier(KeyManager keys, RevocationStore revocations, Clock clock, AuthProperties properties) {
        this.keys = keys;
        this.revocations = revocations;
        this.clock = clock;
        this.issuer = properties.issuer();
        this.audience = properties.audience();
        this.skew = properties.clockSkew();
    }

    public Mono<VerifiedToken> verify(String token) {
        VerifiedToken verified;
        try {
            verified = verifySignatureAndClaims(token);
        } catch (ApiException e) {
            return Mono.error(e);
        }
        return revocations.isRevoked(verified.jti(), verified.subject(), verified.issuedAt().getEpochSecond())
                .flatMap(revoked -> revoked ? Mono.error(ApiException.invalidToken("token revoked")) : Mono.just(verified));
    }

    VerifiedToken verifySignatureAndClaims(String token) {
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
        } catch (ParseException e) {
            throw ApiException.invalidToken("malformed token");
        }
        JWSHeader header = jwt.getHeader();
        if (header.getType() == null || !TokenClaims.ACCESS_TOKEN_TYPE.equals(header.getType().getType())) {
            throw ApiException.invalidToken("wrong token type");
        }
        String kid = header.getKeyID();
        Optional<JWK> key = kid == null ? Optional.empty()
                : keys.ring().published(clock.instant()).stream().filter(k -> kid.equals(k.getKeyID())).findFirst();
        if (key.isEmpty()) {
            throw ApiException.invalidToken("unknown key");
        }
        if (!verifies(jwt, header.getAlgorithm(), key.get())) {
            throw ApiException.invalidToken("bad signature");
        }
        JWTClaimsSet claims;
        try {
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw ApiException.invalidToken("malformed claims");
        }
        Instant now = clock.instant();
        if (!issuer.equals(claims.getIssuer())) {
            throw ApiException.invalidToken("wrong issuer");
        }
        if (claims.getAudience() == null || !claims.getAudience().contains(audience)) {
            throw ApiException.invalidToken("wrong audience");
        }
        Instant exp = instant(claims.getExpirationTime());
        Instant iat = instant(claims.getIssueTime());
        Instant nbf = instant(claims.getNotBeforeTime());
        if (exp == null || iat == null || claims.getJWTID() == null || claims.getSubject() == null) {
            throw ApiException.invalidToken("missing claims");
        }
        if (!now.isBefore(exp.plus(skew))) {
            throw ApiException.invalidToken("token expired");
        }
        if ((nbf != null && nbf.isAfter(now.plus(skew))) || iat.isAfter(now.plus(skew))) {
            throw ApiException.invalidToken("token not yet valid");
        }
        try {
            return new VerifiedToken(claims.getJWTID(), claims.getSubject(), claims.getStringClaim(TokenClaims.USERNAME),
                    claims.getStringClaim(TokenClaims.ROLE), stringList(claims, TokenClaims.PERMISSIONS),
                    stringList(claims, TokenClaims.AUTH_METHODS), claims.getStringClaim(TokenClaims.CLIENT_ID), iat, exp,
                    DpopBinding.thumbprint(claims.getClaims()));
        } catch (ParseException | IllegalArgumentException e) {
            throw ApiException.invalidToken("malformed claims");
        }
    }

    private static boolean verifies(SignedJWT jwt, JWSAlgorithm algorithm, JWK key) {
        try {
            JWSVerifier verifier;
            if (key instanceof RSAKey rsa && JWSAlgorithm.RS256.equals(algorithm)) {
                verifier = new RSASSAVerifier(rsa);
            } else if (key instanceof ECKey ec && JWSAlgorithm.ES256.equals(algorithm)) {
                verifier = new ECDSAVerifier(ec);
            } else {
                return false; // the algorithm must be the key's: no HS256-with-the-public-key confusion
            }
            return jwt.verify(verifier);
        } catch (JOSEException e) {
            return false;
        }
    }

    private static List<String> stringList(JWTClaimsSet claims, String name) throws ParseException {
        List<String> list = claims.getStringListClaim(name);
        return list == null ? List.of() : list;
    }

    private static Instant instant(Date date) {
        return date == null ? null : date.toInstant();
    }
}
