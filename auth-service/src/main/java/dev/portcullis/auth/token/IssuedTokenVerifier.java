package dev.portcullis.auth.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.auth.config.AuthProperties;
import dev.portcullis.auth.keys.KeyManager;
import dev.portcullis.auth.keys.SigningJwks;
import dev.portcullis.auth.revocation.RevocationStore;
import dev.portcullis.auth.web.ApiException;
import dev.portcullis.contract.TokenClaims;
import dev.portcullis.dpop.DpopBinding;
import dev.portcullis.jwt.AudienceValidator;
import dev.portcullis.jwt.ClaimsRejection;
import dev.portcullis.jwt.IssuerValidator;
import dev.portcullis.jwt.JwtClaimsValidator;
import dev.portcullis.jwt.RequiredClaimsValidator;
import dev.portcullis.jwt.TimestampValidator;
import dev.portcullis.jwt.TokenLifetimeValidator;
import java.text.ParseException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Verifies an access token this service issued, presented back to it as a Bearer token, so that this service never
 * trusts {@code x-user-*} headers: {@code typ at+jwt}, a {@code kid} we publish, the algorithm of that key, the
 * signature, then the claims by the rules the gateway applies too ({@code dev.portcullis.jwt}: {@code sub},
 * {@code jti}, {@code exp}, {@code iat} present, {@code iss}, {@code aud} containing our audience,
 * {@code exp}/{@code nbf}/{@code iat} with the clock skew, {@code max-token-lifetime}), and finally the Redis
 * revocation keys. Failures are {@link ApiException#invalidToken} with a short reason; a Redis failure propagates and
 * becomes 503 (fail closed: no revocation state, no access).
 */
@Component
public final class IssuedTokenVerifier {

    private final KeyManager keys;
    private final RevocationStore revocations;
    private final Clock clock;
    private final JwtClaimsValidator claimsValidator;

    IssuedTokenVerifier(KeyManager keys, RevocationStore revocations, Clock clock, AuthProperties properties) {
        this.keys = keys;
        this.revocations = revocations;
        this.clock = clock;
        this.claimsValidator = JwtClaimsValidator.allOf(List.of(
                RequiredClaimsValidator.of(TokenClaims.SUBJECT, TokenClaims.TOKEN_ID, TokenClaims.EXPIRES_AT,
                        TokenClaims.ISSUED_AT),
                new IssuerValidator(properties.issuer()),
                new AudienceValidator(Set.of(properties.audience())),
                new TimestampValidator(properties.clockSkew()),
                new TokenLifetimeValidator(properties.maxTokenLifetime())));
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
        if (!verifies(jwt, key.get())) {
            throw ApiException.invalidToken("bad signature");
        }
        JWTClaimsSet claims;
        try {
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw ApiException.invalidToken("malformed claims");
        }
        Optional<ClaimsRejection> rejection = claimsValidator.validate(claims, clock.instant());
        if (rejection.isPresent()) {
            throw ApiException.invalidToken(rejection.get().description());
        }
        try {
            return new VerifiedToken(claims.getJWTID(), claims.getSubject(), claims.getStringClaim(TokenClaims.USERNAME),
                    claims.getStringClaim(TokenClaims.ROLE), stringList(claims, TokenClaims.PERMISSIONS),
                    stringList(claims, TokenClaims.AUTH_METHODS), claims.getStringClaim(TokenClaims.CLIENT_ID),
                    claims.getIssueTime().toInstant(), claims.getExpirationTime().toInstant(),
                    DpopBinding.thumbprint(claims.getClaims()));
        } catch (ParseException | IllegalArgumentException e) {
            throw ApiException.invalidToken("malformed claims");
        }
    }

    /** The algorithm must be the key's own: no HS256-with-the-public-key confusion. */
    private static boolean verifies(SignedJWT jwt, JWK key) {
        try {
            Optional<JWSVerifier> verifier = SigningJwks.verifier(key, jwt.getHeader().getAlgorithm());
            return verifier.isPresent() && jwt.verify(verifier.get());
        } catch (JOSEException e) {
            return false;
        }
    }

    private static List<String> stringList(JWTClaimsSet claims, String name) throws ParseException {
        List<String> list = claims.getStringListClaim(name);
        return list == null ? List.of() : list;
    }
}
