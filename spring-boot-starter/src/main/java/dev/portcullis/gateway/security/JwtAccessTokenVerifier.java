package dev.portcullis.gateway.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.PlainHeader;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.contract.TokenClaims;
import dev.portcullis.gateway.keys.KeyLookup;
import dev.portcullis.gateway.keys.TrustedKey;
import dev.portcullis.gateway.token.VerifiedToken;
import dev.portcullis.gateway.web.Rejection;
import dev.portcullis.gateway.web.RejectionReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Verifies an access token of one of the trusted issuers: size bound, parse, the issuer by exact {@code iss} (the
 * payload is only read here, not yet trusted), that issuer's algorithm allow-list and {@code typ} policy, the key by
 * {@code kid} in that issuer's JWKS only (never {@code jku}, {@code x5u}, {@code jwk} or {@code x5c} from the token,
 * never another issuer's key set), signature, that issuer's claim rules, then its claim mapping. Verification is CPU
 * work and runs where it is called; only a key-set fetch leaves the event loop.
 *
 * <p>A token seen before is answered from the {@link VerifiedTokenCache}. Any other token first takes a unit of the
 * client IP's {@link VerificationFailureBudget} (given back when it verifies), so a flood of forged tokens costs at most
 * the budget in signature checks. When a key leaves an issuer's JWKS, the tokens it verified leave the cache at once.
 */
public final class JwtAccessTokenVerifier {

    private static final Logger log = LoggerFactory.getLogger(JwtAccessTokenVerifier.class);
    private static final Duration KEYS_RETRY_AFTER = Duration.ofSeconds(5);

    private final TrustedIssuers issuers;
    private final int maxTokenLength;
    private final VerifiedTokenCache cache;
    private final VerificationFailureBudget budget;
    private final Clock clock;
    private final Counter signaturesValid;
    private final Counter signaturesInvalid;

    public JwtAccessTokenVerifier(TrustedIssuers issuers, int maxTokenLength, VerifiedTokenCache cache,
                               VerificationFailureBudget budget, Clock clock, MeterRegistry meters) {
        this.issuers = issuers;
        this.maxTokenLength = maxTokenLength;
        this.cache = cache;
        this.budget = budget;
        this.clock = clock;
        this.signaturesValid = signatureCounter(meters, "valid");
        this.signaturesInvalid = signatureCounter(meters, "invalid");
        Counter evictions = Counter.builder("portcullis.verified_tokens.key_removal_evictions")
                .description("Cached verifications dropped because their key left the trusted key set").register(meters);
        // A pulled key must stop working for cached tokens too, and only for its own issuer's tokens: evict by kid.
        for (TrustedIssuer issuer : issuers.all()) {
            issuer.keys().onKeysRemoved(removed -> {
                int evicted = cache.evictKeys(issuer.id(), removed);
                evictions.increment(evicted);
                log.warn("event=verified_tokens_evicted issuer={} kids={} tokens={}", issuer.id(), removed, evicted);
            });
        }
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
            return verifyUncached(token, VerificationTrace.NONE).doOnNext(verification -> {
                if (!countsAsFailure(verification)) {
                    reservation.giveBack();
                }
            });
        });
    }

    /**
     * Runs every check of {@link #verify} on the token and tells {@code trace} of each, for the explain endpoint; the
     * token is never looked up in nor added to the cache, and no failure budget is spent (an operator's question is
     * not a client's attempt). A key-set fetch for an unknown kid can still happen, rate-limited as always.
     */
    public Mono<Verification> explain(String token, VerificationTrace trace) {
        if (token.length() > maxTokenLength) {
            return rejected(trace, "size", RejectionReason.TOO_LARGE, "The access token is larger than " + maxTokenLength + " bytes");
        }
        trace.step("size", null, Map.of("max_length", maxTokenLength));
        return verifyUncached(token, trace);
    }

    /** Valid tokens, and refusals that are not the client's doing (no key set to check with), do not spend. */
    private static boolean countsAsFailure(Verification verification) {
        return verification instanceof Verification.Rejected rejected
                && rejected.rejection().reason() != RejectionReason.KEYS_UNAVAILABLE;
    }

    private Mono<Verification> verifyUncached(String token, VerificationTrace trace) {
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
        } catch (ParseException e) {
            return isUnsecured(token)
                    ? rejected(trace, "algorithm", RejectionReason.DISALLOWED_ALGORITHM, "Unsigned tokens (alg none) are not accepted")
                    : rejected(trace, "parse", RejectionReason.MALFORMED, "The access token is not a well-formed JWS");
        }
        JWTClaimsSet unverified;
        try {
            unverified = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            return rejected(trace, "parse", RejectionReason.MALFORMED, "The token's payload is not a JSON claims set");
        }
        trace.passed("parse");
        // Read before the signature is checked, only to choose whose rules and keys apply: an iss that is not exactly
        // one of the trusted issuers' goes no further, and a token can never pick another issuer's keys by its kid.
        Object iss = unverified.getClaim(TokenClaims.ISSUER);
        if (iss == null) {
            return rejected(trace, "issuer", RejectionReason.MISSING_CLAIM, "The token has no 'iss' claim");
        }
        TrustedIssuer issuer = iss instanceof String name ? issuers.forIss(name) : null;
        if (issuer == null) {
            Rejection unknown = Rejection.of(RejectionReason.UNKNOWN_ISSUER, "The token was not issued by a trusted issuer");
            if (trace.enabled()) {
                // the token's iss names an issuer, not a person: shown next to the trusted ones to make a typo visible
                trace.step("issuer", unknown, Map.of("token_iss", String.valueOf(iss), "trusted",
                        issuers.all().stream().map(TrustedIssuer::issuer).sorted().toList()));
            }
            return Mono.just(new Verification.Rejected(unknown));
        }
        if (trace.enabled()) {
            trace.step("issuer", null, Map.of("issuer", issuer.id()));
        }
        JWSHeader header = jwt.getHeader();
        if (!issuer.algorithms().contains(header.getAlgorithm())) {
            Rejection disallowed = Rejection.of(RejectionReason.DISALLOWED_ALGORITHM, "The token's algorithm is not allowed");
            if (trace.enabled()) {
                trace.step("algorithm", disallowed, Map.of("alg", header.getAlgorithm().getName(), "allowed",
                        issuer.algorithms().stream().map(JWSAlgorithm::getName).sorted().toList()));
            }
            return Mono.just(new Verification.Rejected(disallowed));
        }
        if (trace.enabled()) {
            trace.step("algorithm", null, Map.of("alg", header.getAlgorithm().getName()));
        }
        if (!issuer.acceptsType(header.getType())) {
            return rejected(trace, "typ", RejectionReason.WRONG_TYPE, issuer.typ() == JwtProperties.TokenType.AT_JWT
                    ? "The token is not an access token (typ must be at+jwt)" : "The token is not an access token");
        }
        trace.passed("typ");
        if (header.getKeyID() == null) {
            return rejected(trace, "key", RejectionReason.MALFORMED, "The token names no key (kid)");
        }
        boolean remember = !trace.enabled();
        return issuer.keys().find(header.getKeyID()).map(lookup -> switch (lookup) {
            case KeyLookup.Found found -> {
                if (trace.enabled()) {
                    trace.step("key", null, Map.of("kid", found.key().keyId()));
                }
                yield verifySigned(token, jwt, unverified, issuer, found.key(), header.getAlgorithm(), trace, remember);
            }
            case KeyLookup.Unknown unknown -> {
                Rejection rejection = Rejection.of(RejectionReason.UNKNOWN_KEY, "The token was signed with an unknown key");
                if (trace.enabled()) {
                    trace.step("key", rejection, Map.of("kid", header.getKeyID(), "issuer", issuer.id()));
                }
                yield new Verification.Rejected(rejection);
            }
            case KeyLookup.Unavailable unavailable -> failed(trace, "key", Rejection.retryable(
                    RejectionReason.KEYS_UNAVAILABLE, "Token keys are not available yet", KEYS_RETRY_AFTER));
        });
    }

    /** @param remember whether a valid token goes into the cache (not when explaining) */
    private Verification verifySigned(String token, SignedJWT jwt, JWTClaimsSet claims, TrustedIssuer issuer,
                                      TrustedKey key, JWSAlgorithm algorithm, VerificationTrace trace, boolean remember) {
        JWSVerifier verifier = key.verifierFor(algorithm);
        if (verifier == null) {
            return reject(trace, "signature", RejectionReason.BAD_SIGNATURE, "The token's signature does not verify");
        }
        boolean valid;
        try {
            valid = jwt.verify(verifier);
        } catch (JOSEException | IllegalStateException e) {
            valid = false;
        }
        (valid ? signaturesValid : signaturesInvalid).increment();
        if (!valid) {
            return reject(trace, "signature", RejectionReason.BAD_SIGNATURE, "The token's signature does not verify");
        }
        trace.passed("signature");
        Instant now = clock.instant();
        Rejection rejection = issuer.validator().validate(claims, now, trace);
        if (rejection != null) {
            return new Verification.Rejected(rejection);
        }
        Verification mapped = issuer.mapping().map(claims);
        if (trace.enabled()) {
            trace.step("identity_claims", mapped instanceof Verification.Rejected rejected ? rejected.rejection() : null,
                    Map.of());
        }
        if (!(mapped instanceof Verification.Verified verified)) {
            return mapped;
        }
        if (!remember) {
            return mapped;
        }
        cache.put(token, verified.token(), issuer.id(), key.keyId());
        if (!issuer.keys().isTrusted(key)) {
            // The key was pulled while this token was being checked. Put first, check second: either the removal's
            // eviction walk sees this entry, or this check sees the new key set, so no entry of a pulled key survives.
            cache.invalidate(token);
        }
        return mapped;
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
        return Mono.just(new Verification.Rejected(Rejection.of(reason, detail)));
    }

    private static Mono<Verification> rejected(VerificationTrace trace, String check, RejectionReason reason, String detail) {
        return Mono.just(reject(trace, check, reason, detail));
    }

    private static Verification reject(VerificationTrace trace, String check, RejectionReason reason, String detail) {
        return failed(trace, check, Rejection.of(reason, detail));
    }

    private static Verification failed(VerificationTrace trace, String check, Rejection rejection) {
        trace.step(check, rejection, Map.of());
        return new Verification.Rejected(rejection);
    }
}
