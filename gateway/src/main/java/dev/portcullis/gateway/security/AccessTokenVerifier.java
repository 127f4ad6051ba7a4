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
import dev.portcullis.gateway.keys.TrustedKey;
import dev.portcullis.gateway.web.Rejection;
import dev.portcullis.gateway.web.RejectionReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Verifies an RFC 9068 access token: size bound, parse, algorithm allow-list, {@code typ}, key from the trusted JWKS
 * by {@code kid} only (never {@code jku}, {@code x5u}, {@code jwk} or {@code x5c} from the token), signature, then the
 * claim validators. Verification is CPU work and runs where it is called; only a key-set fetch leaves the event loop.
 *
 * <p>A token seen before is answered from the {@link VerifiedTokenCache}. Any other token first takes a unit of the
 * client IP's {@link VerificationFailureBudget} (given back when it verifies), so a flood of forged tokens costs at most
 * the budget in signature checks. When a key leaves the JWKS, the tokens it verified leave the cache at once.
 */
public final class AccessTokenVerifier {

    private static final Logger log = LoggerFactory.getLogger(AccessTokenVerifier.class);
    private static final Duration KEYS_RETRY_AFTER = Duration.ofSeconds(5);

    private final Set<JWSAlgorithm> algorithms;
    private final int maxTokenLength;
    private final JwksKeyStore keys;
    private final VerifiedTokenCache cache;
    private final VerificationFailureBudget budget;
    private final ClaimsValidator claimsValidator;
    private final Clock clock;
    private final Counter signaturesValid;
    private final Counter signaturesInvalid;

    public AccessTokenVerifier(JwtProperties properties, JwksKeyStore keys, VerifiedTokenCache cache,
                               VerificationFailureBudget budget, Clock clock, MeterRegistry meters) {
        this.algorithms = properties.algorithms().stream().map(JWSAlgorithm::parse).collect(Collectors.toUnmodifiableSet());
        this.maxTokenLength = properties.maxTokenLength();
        this.keys = keys;
        this.cache = cache;
        this.budget = budget;
        this.clock = clock;
        this.claimsValidator = ClaimsValidator.delegating(List.of(
                new RequiredClaimsValidator(),
                new IssuerValidator(properties.issuer()),
                new AudienceValidator(properties.audiences()),
                new TimestampValidator(properties.clockSkew()),
                new TokenLifetimeValidator(properties.maxTokenLifetime()),
                new HeaderSafeClaimsValidator()));
        this.signaturesValid = signatureCounter(meters, "valid");
        this.signaturesInvalid = signatureCounter(meters, "invalid");
        Counter evictions = Counter.builder("portcullis.verified_tokens.key_removal_evictions")
                .description("Cached verifications dropped because their key left the trusted key set").register(meters);
        // A pulled key must stop working for cached tokens too, and only for its own tokens: evict by kid.
        keys.onKeysRemoved(removed -> {
            int evicted = cache.evictKeys(removed);
            evictions.increment(evicted);
            log.warn("event=verified_tokens_evicted kids={} tokens={}", removed, evicted);
        });
    }

    private static Counter signatureCounter(MeterRegistry meters, String outcome) {
        return Counter.builder("portcullis.jwt.signature_checks").tag("outcome", outcome)
                .description("Token signatures checked (RSA/ECDSA work), by outcome").register(meters);
    }

    /**
     * @param clientAddress the client IP whose failure budget an uncached token spends from; asked only on a cache miss
     */
    public Mono<Verification> verify(String token, Supplier<String> clientAddress) {
        if (token.length() > maxTokenLength) {
            return rejected(RejectionReason.TOO_LARGE, "The access token is larger than " + maxTokenLength + " bytes");
        }
        VerifiedToken cached = cache.get(token);
        if (cached != null) {
            return Mono.just(new Verification.Verified(cached));
        }
        // Before any parsing or signature work: an IP that has spent its failure budget gets 429, nothing more.
        return budget.reserve(clientAddress.get()).flatMap(reservation -> {
            if (reservation.refusal() != null) {
                return Mono.just((Verification) new Verification.Rejected(reservation.refusal()));
            }
            return verifyUncached(token).doOnNext(verification -> {
                if (!countsAsFailure(verification)) {
                    reservation.giveBack();
                }
            });
        });
    }

    /** Valid tokens, and refusals that are not the client's doing (no key set to check with), do not spend. */
    private static boolean countsAsFailure(Verification verification) {
        return verification instanceof Verification.Rejected rejected
                && rejected.rejection().reason() != RejectionReason.KEYS_UNAVAILABLE;
    }

    private Mono<Verification> verifyUncached(String token) {
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
            case KeyLookup.Found found -> verifySigned(token, jwt, found.key(), header.getAlgorithm());
            case KeyLookup.Unknown unknown -> reject(RejectionReason.UNKNOWN_KEY, "The token was signed with an unknown key");
            case KeyLookup.Unavailable unavailable -> new Verification.Rejected(Rejection.retryable(
                    RejectionReason.KEYS_UNAVAILABLE, "Token keys are not available yet", KEYS_RETRY_AFTER));
        });
    }

    private Verification verifySigned(String token, SignedJWT jwt, TrustedKey key, JWSAlgorithm algorithm) {
        JWSVerifier verifier = key.verifierFor(algorithm);
        if (verifier == null) {
            return reject(RejectionReason.BAD_SIGNATURE, "The token's signature does not verify");
        }
        boolean valid;
        try {
            valid = jwt.verify(verifier);
        } catch (JOSEException | IllegalStateException e) {
            valid = false;
        }
        (valid ? signaturesValid : signaturesInvalid).increment();
        if (!valid) {
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
        cache.put(token, verified, key.keyId());
        if (!keys.isTrusted(key)) {
            // The key was pulled while this token was being checked. Put first, check second: either the removal's
            // eviction walk sees this entry, or this check sees the new key set, so no entry of a pulled key survives.
            cache.invalidate(token);
        }
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
