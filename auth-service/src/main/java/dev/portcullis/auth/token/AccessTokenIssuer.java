package dev.portcullis.auth.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.auth.config.AuthProperties;
import dev.portcullis.auth.config.SecureRandoms;
import dev.portcullis.auth.keys.KeyManager;
import dev.portcullis.auth.keys.SigningJwks;
import dev.portcullis.auth.user.User;
import dev.portcullis.contract.TokenClaims;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Signs access tokens exactly as docs/contract.md describes them: header {@code alg} (RS256 by default), {@code kid},
 * {@code typ: at+jwt}; claims {@code iss, sub, aud, exp, iat, nbf(=iat), jti, client_id} and, for users,
 * {@code username, role, permissions, scope, amr, acr, auth_time}; for services {@code scope} only.
 *
 * <p>Signing runs on boundedElastic: the JDK's RSA blinding seeds itself from the default {@code SecureRandom}, which
 * reads {@code /dev/urandom} (a blocking file read BlockHound catches), and an RSA-2048 signature costs about a
 * millisecond of CPU that the event loop is better without.
 */
@Component
public final class AccessTokenIssuer {

    private static final JOSEObjectType AT_JWT = new JOSEObjectType(TokenClaims.ACCESS_TOKEN_TYPE);

    private final KeyManager keys;
    private final IssuedAtPolicy issuedAt;
    private final AuthProperties properties;

    AccessTokenIssuer(KeyManager keys, IssuedAtPolicy issuedAt, AuthProperties properties) {
        this.keys = keys;
        this.issuedAt = issuedAt;
        this.properties = properties;
    }

    /**
     * A user access token with the given authentication methods ({@code amr}), authentication context class
     * ({@code acr}) and authentication instant ({@code auth_time}, RFC 9470: how recent the user's authentication is).
     *
     * @param authTime when the user authenticated, or null for "just now" (a login or a step-up being answered): the
     *                 token's {@code iat}; a refresh passes its session's login instant
     */
    public Mono<IssuedToken> forUser(User user, List<String> amr, String acr, Instant authTime) {
        return forUser(user, amr, acr, authTime, null);
    }

    /**
     * As {@link #forUser(User, List, String, Instant)}, bound to a client key when {@code boundTo} is set: the token then
     * carries {@code cnf: {"jkt": boundTo}} (RFC 9449 section 6) and is usable only with a DPoP proof of that key.
     *
     * @param boundTo the RFC 7638 thumbprint of the key a verified DPoP proof was signed with, or null for a Bearer token
     */
    public Mono<IssuedToken> forUser(User user, List<String> amr, String acr, Instant authTime, String boundTo) {
        return issuedAt.issuedAt(user.id()).publishOn(Schedulers.boundedElastic()).map(iat -> {
            Instant exp = iat.plus(properties.accessTokenLifetime());
            long authenticatedAt = authTime == null ? iat.getEpochSecond() : Math.min(authTime.getEpochSecond(), iat.getEpochSecond());
            JWTClaimsSet.Builder claims = common(user.id(), List.of(properties.audience()), iat, exp)
                    .claim(TokenClaims.CLIENT_ID, properties.userClientId())
                    .claim(TokenClaims.USERNAME, user.username())
                    .claim(TokenClaims.ROLE, user.role())
                    .claim(TokenClaims.PERMISSIONS, user.permissions())
                    .claim(TokenClaims.SCOPE, properties.userScope())
                    .claim(TokenClaims.AUTH_METHODS, List.copyOf(amr))
                    .claim(TokenClaims.AUTH_CONTEXT, acr)
                    .claim(TokenClaims.AUTH_TIME, authenticatedAt);
            if (boundTo != null) {
                claims.claim(TokenClaims.CONFIRMATION, Map.of(TokenClaims.CONFIRMATION_THUMBPRINT, boundTo));
            }
            return sign(claims.build(), properties.userScope(), boundTo);
        });
    }

    /** A service token ({@code client_credentials}): {@code sub} = {@code client_id}, no user claims, no {@code amr}. */
    public Mono<IssuedToken> forClient(String clientId, String audience, String scope, Duration lifetime) {
        return forClient(clientId, audience, scope, lifetime, null);
    }

    /** As {@link #forClient(String, String, String, Duration)}, DPoP-bound when {@code boundTo} is set. */
    public Mono<IssuedToken> forClient(String clientId, String audience, String scope, Duration lifetime, String boundTo) {
        return issuedAt.issuedAt(clientId).publishOn(Schedulers.boundedElastic()).map(iat -> {
            JWTClaimsSet.Builder claims = common(clientId, List.of(audience), iat, iat.plus(lifetime))
                    .claim(TokenClaims.CLIENT_ID, clientId)
                    .claim(TokenClaims.SCOPE, scope);
            if (boundTo != null) {
                claims.claim(TokenClaims.CONFIRMATION, Map.of(TokenClaims.CONFIRMATION_THUMBPRINT, boundTo));
            }
            return sign(claims.build(), scope, boundTo);
        });
    }

    private JWTClaimsSet.Builder common(String subject, List<String> audience, Instant iat, Instant exp) {
        return new JWTClaimsSet.Builder()
                .issuer(properties.issuer())
                .subject(subject)
                .audience(audience)
                .issueTime(Date.from(iat))
                .notBeforeTime(Date.from(iat))
                .expirationTime(Date.from(exp))
                .jwtID(SecureRandoms.uuid().toString());
    }

    private IssuedToken sign(JWTClaimsSet claims, String scope, String boundTo) {
        JWK key = keys.signingKey();
        JWSAlgorithm algorithm = SigningJwks.algorithm(key);
        JWSHeader header = new JWSHeader.Builder(algorithm).keyID(key.getKeyID()).type(AT_JWT).build();
        SignedJWT jwt = new SignedJWT(header, claims);
        try {
            jwt.sign(SigningJwks.signer(key));
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign with key " + key.getKeyID(), e);
        }
        return new IssuedToken(jwt.serialize(), claims.getJWTID(), claims.getIssueTime().toInstant(),
                claims.getExpirationTime().toInstant(), scope, boundTo);
    }
}
