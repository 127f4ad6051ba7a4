package dev.portcullis.gateway.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.PlainHeader;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.contract.TokenClaims;
import dev.portcullis.gateway.keys.JwksKeyStore;
import dev.portcullis.gateway.keys.KeyLookup;
import dev.portcullis.gateway.web.Rejection;
import dev.portcullis.gateway.web.RejectionReason;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import reactor.core.publisher.Mono;

/**
 * Verifies an RFC 9068 access token: size bound, parse, algorithm allow-list, {@code typ}, key from the trusted JWKS
 * by {@code kid} only (never {@code jku}, {@code x5u}, {@code jwk} or {@code x5c} from the token), signature, then the
 * claim validators. Verification is CPU work and runs where it is called; only a key-set fetch leaves the event loop.
 */
public final class AccessTokenVerifier {

    private static final Duration KEYS_RETRY_AFTER = Duration.ofSeconds(5);

    private final Set<JWSAlgorithm> algorithms;
    private final int maxTokenLength;
    private final JwksKeyStore keys;
    private final VerifiedTokenCache cache;
    private final ClaimsValidator claimsValidator;
    private final Clock clock;

    public AccessTokenVerifier(JwtProperties properties, JwksKeyStore keys, VerifiedTokenCache cache, Clock clock) {
        this.algorithms = properties.algorithms().stream().map(JWSAlgorithm::parse).collect(Collectors.toUnmodifiableSet());
        this.maxTokenLength = properties.maxTokenLength();
        this.keys = keys;
        this.cache = cache;
        this.clock = clock;
        this.claimsValidator = ClaimsValidator.delegating(List.of(
                new RequiredClaimsValidator(),
                new IssuerValidator(properties.issuer()),
                new AudienceValidator(properties.audiences()),
                new TimestampValidator(properties.clockSkew()),
                new HeaderSafeClaimsValidator()));
    }

    public Mono<Verification> verify(String token) {
        if (token.length() > maxTokenLength) {
            return rejected(RejectionReason.TOO_LARGE, "The access token is larger than " + maxTokenLength + " bytes");
        }
        VerifiedToken cached = cache.get(token);
        if (cached != null) {
            return Mono.just(new Verification.Verified(cached));
        }
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
        } catch (ParseException e) {
            return isUnsecured(token)
                    ? rejected(RejectionReason.DISALLOWED_ALGORITHM, "Unsigned tokens (alg none) are not accepted")
                    : rejected(RejectionReason.MALFORMED, "The access token is not a well-formed JWS");
        }
        JWSHeader header = jwt.getHeader();
        if (!algorithms.contains(header.getAlgorithm())) {
            return rejected(RejectionReason.DISALLOWED_ALGORITHM, "The token's algorithm is not allowed");
        }
        if (!isAccessTokenType(header.getType())) {
            return rejected(RejectionReason.WRONG_TYPE, "The token is not an access token (typ must be at+jwt)");
        }
        if (header.getKeyID() == null) {
            return rejected(RejectionReason.MALFORMED, "The token names no key (kid)");
        }
        return keys.find(header.getKeyID()).map(lookup -> switch (lookup) {
            case KeyLookup.Found found -> verifySigned(token, jwt, found.key().verifierFor(header.getAlgorithm()));
            case KeyLookup.Unknown unknown -> reject(RejectionReason.UNKNOWN_KEY, "The token was signed with an unknown key");
            case KeyLookup.Unavailable unavailable -> new Verification.Rejected(Rejection.retryable(
                    RejectionReason.KEYS_UNAVAILABLE, "Token keys are not available yet", KEYS_RETRY_AFTER));
        });
    }

    private Verification verifySigned(String token, SignedJWT jwt, JWSVerifier verifier) {
        try {
            if (verifier == null || !jwt.verify(verifier)) {
                return reject(RejectionReason.BAD_SIGNATURE, "The token's signature does not verify");
            }
        } catch (JOSEException | IllegalStateException e) {
            return reject(RejectionReason.BAD_SIGNATURE, "The token's signature does not verify");
        }
        JWTClaimsSet claims;
        try {
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            return reject(RejectionReason.MALFORMED, "The token's payload is not a JSON claims set");
        }
        Instant now = clock.instant();
        Rejection rejection = claimsValidator.validate(claims, now);
        if (rejection != null) {
            return new Verification.Rejected(rejection);
        }
        VerifiedToken verified;
        try {
            verified = identity(claims);
        } catch (ParseException e) {
            return reject(RejectionReason.MALFORMED, "A claim has the wrong type");
        }
        cache.put(token, verified);
        return new Verification.Verified(verified);
    }

    private static VerifiedToken identity(JWTClaimsSet claims) throws ParseException {
        List<String> permissions = orEmpty(claims.getStringListClaim(TokenClaims.PERMISSIONS));
        String scope = claims.getStringClaim(TokenClaims.SCOPE);
        List<String> scopes = scope == null || scope.isBlank() ? List.of()
                : Arrays.stream(scope.trim().split(" +")).toList();
        List<String> amr = orEmpty(claims.getStringListClaim(TokenClaims.AUTH_METHODS));
        return VerifiedToken.of(claims.getSubject(), claims.getJWTID(), claims.getIssueTime().toInstant().getEpochSecond(),
                claims.getExpirationTime().toInstant(), claims.getStringClaim(TokenClaims.ROLE), permissions, scopes, amr,
                claims.getStringClaim(TokenClaims.CLIENT_ID));
    }

    private static List<String> orEmpty(List<String> values) {
        return values == null ? List.of() : values;
    }

    /** RFC 9068: {@code at+jwt}, also written {@code application/at+jwt}, compared case-insensitively. */
    private static boolean isAccessTokenType(JOSEObjectType type) {
        if (type == null) {
            return false;
        }
        String value = type.getType();
        return TokenClaims.ACCESS_TOKEN_TYPE.equalsIgnoreCase(value)
                || ("application/" + TokenClaims.ACCESS_TOKEN_TYPE).equalsIgnoreCase(value);
    }

    private static boolean isUnsecured(String token) {
        int dot = token.indexOf('.');
        if (dot <= 0) {
            return false;
        }
        try {
            return PlainHeader.parse(new Base64URL(token.substring(0, dot))) != null;
        } catch (ParseException e) {
            return false;
        }
    }

    private static Mono<Verification> rejected(RejectionReason reason, String detail) {
        return Mono.just(reject(reason, detail));
    }

    private static Verification reject(RejectionReason reason, String detail) {
        return new Verification.Rejected(Rejection.of(reason, detail));
    }
}
