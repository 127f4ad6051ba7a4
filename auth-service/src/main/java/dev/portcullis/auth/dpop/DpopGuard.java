package dev.portcullis.auth.dpop;

import dev.portcullis.auth.token.VerifiedToken;
import dev.portcullis.auth.web.ApiException;
import dev.portcullis.auth.web.ClientIpResolver;
import dev.portcullis.contract.ProblemTypes;
import dev.portcullis.dpop.DpopCheck;
import dev.portcullis.dpop.DpopFailure;
import dev.portcullis.dpop.DpopProofVerifier;
import dev.portcullis.dpop.DpopReplayCache;
import dev.portcullis.dpop.DpopTargetUri;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.time.Clock;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * DPoP at the auth service: the proof of a token request ({@code /auth/login}, {@code /auth/refresh},
 * {@code /oauth2/token}), whose key the issued token is bound to, and the proof that must come with a bound token on
 * this service's own protected endpoints. Each accepted proof is remembered in Redis for its window
 * ({@code dpop:jti:auth:<jkt>:<jti hash>}) and refused the second time, on any instance.
 *
 * <p>Failure policy: when Redis cannot say whether a proof was seen, the proof is refused (503, Retry-After), logged
 * and counted ({@code portcullis.auth.dpop.proofs{outcome=replay_check_unavailable}}). A proof is what makes a bound
 * token usable; accepting one that may be a replay would give a thief exactly what binding is meant to deny.
 */
@Component
public final class DpopGuard {

    private static final Logger log = LoggerFactory.getLogger(DpopGuard.class);

    private final DpopProofVerifier verifier;
    private final DpopReplayCache replay;
    private final ClientIpResolver proxies;
    private final URI publicOrigin;
    private final Clock clock;
    private final Counter accepted;
    private final Map<DpopFailure, Counter> refused = new EnumMap<>(DpopFailure.class);

    DpopGuard(DpopProofVerifier verifier, DpopReplayCache replay, ClientIpResolver proxies, AuthDpopProperties properties,
              Clock clock, MeterRegistry meters) {
        this.verifier = verifier;
        this.replay = replay;
        this.proxies = proxies;
        this.publicOrigin = properties.publicOriginUri();
        this.clock = clock;
        this.accepted = counter(meters, "accepted");
        for (DpopFailure failure : DpopFailure.values()) {
            refused.put(failure, counter(meters, failure.tag()));
        }
    }

    private static Counter counter(MeterRegistry meters, String outcome) {
        return Counter.builder("portcullis.auth.dpop.proofs").tag("outcome", outcome)
                .description("DPoP proofs checked by the auth service, by outcome").register(meters);
    }

    /**
     * The key a token request proves possession of: empty when it carries no {@code DPoP} header (a Bearer token is
     * issued, as before DPoP), the proof's thumbprint when the proof is valid and fresh, else a 400
     * {@code invalid_dpop_proof} (or {@code use_dpop_nonce}) as RFC 9449 section 5 says.
     */
    public Mono<Optional<String>> keyOfTokenRequest(ServerHttpRequest request) {
        List<String> proofs = request.getHeaders().get(DpopProofVerifier.HEADER);
        if (proofs == null || proofs.isEmpty()) {
            return Mono.just(Optional.empty());
        }
        return check(request, proofs, null, false).map(Optional::of);
    }

    /**
     * Whether a request with {@code token} may use it: a bound token needs the {@code DPoP} scheme and a fresh proof of
     * its key over this request and token; an unbound one must come as {@code Bearer}.
     *
     * @param dpopScheme whether the {@code Authorization} scheme was {@code DPoP}
     */
    public Mono<VerifiedToken> checkTokenUse(ServerHttpRequest request, boolean dpopScheme, String accessToken,
                                             VerifiedToken token) {
        if (!token.isBound()) {
            if (dpopScheme) {
                return Mono.error(ApiException.invalidToken("the access token is not DPoP-bound; send it as Bearer"));
            }
            return Mono.just(token);
        }
        if (!dpopScheme) {
            return Mono.error(ApiException.of(HttpStatus.UNAUTHORIZED, ProblemTypes.INVALID_TOKEN, "Invalid token",
                            "the access token is DPoP-bound; send it with the DPoP scheme and a proof")
                    .header(HttpHeaders.WWW_AUTHENTICATE, challenge("invalid_token",
                            "the access token is DPoP-bound; send it with the DPoP scheme and a proof")));
        }
        return check(request, request.getHeaders().get(DpopProofVerifier.HEADER), accessToken, true)
                .flatMap(thumbprint -> {
                    if (!thumbprint.equals(token.boundTo())) {
                        return Mono.error(refusal(DpopFailure.KEY_MISMATCH,
                                "The DPoP proof is signed by another key than the token is bound to", true));
                    }
                    return Mono.just(token);
                });
    }

    /** The public URI of the request, as the client addressed it (the gateway's forwarded view, or the configured origin). */
    String publicUri(ServerHttpRequest request) {
        HttpHeaders headers = request.getHeaders();
        return DpopTargetUri.publicUri(publicOrigin, proxies.fromTrustedProxy(request),
                headers.getFirst("X-Forwarded-Proto"), headers.getFirst("X-Forwarded-Host"),
                headers.getFirst("X-Forwarded-Prefix"), request.getURI());
    }

    private Mono<String> check(ServerHttpRequest request, List<String> proofs, String accessToken, boolean resource) {
        DpopCheck check = verifier.verify(proofs, request.getMethod().name(), publicUri(request), accessToken, clock.instant());
        return switch (check) {
            case DpopCheck.Refused no -> Mono.error(refusal(no.failure(), no.detail(), resource));
            case DpopCheck.Accepted proof -> replay.firstUse(proof).flatMap(verdict -> switch (verdict) {
                case FIRST_USE -> {
                    accepted.increment();
                    yield Mono.just(proof.thumbprint());
                }
                case REPLAYED -> Mono.error(refusal(DpopFailure.REPLAYED, "The DPoP proof was already used", resource));
                case UNAVAILABLE -> {
                    // fail closed (class comment): a proof that cannot be shown fresh is not accepted
                    refused.get(DpopFailure.REPLAY_CHECK_UNAVAILABLE).increment();
                    log.atWarn().addKeyValue("event", "dpop_replay_check_unavailable").log("DPoP proof refused: replay check unavailable");
                    yield Mono.error(ApiException.unavailable("The DPoP proof cannot be checked right now"));
                }
            });
        };
    }

    /**
     * A refused proof: at a token endpoint 400 with the OAuth {@code error} member (RFC 9449 section 5), at a protected
     * endpoint 401 with {@code WWW-Authenticate: DPoP error=...} (section 7.1). {@code use_dpop_nonce} also carries a
     * fresh {@code DPoP-Nonce}.
     */
    private ApiException refusal(DpopFailure failure, String detail, boolean resource) {
        refused.get(failure).increment();
        log.atInfo().addKeyValue("event", "dpop_proof_refused").addKeyValue("reason", failure.tag()).log("DPoP proof refused");
        boolean nonce = failure == DpopFailure.NONCE_REQUIRED;
        ApiException problem = ApiException.of(resource ? HttpStatus.UNAUTHORIZED : HttpStatus.BAD_REQUEST,
                        nonce ? ProblemTypes.USE_DPOP_NONCE : ProblemTypes.INVALID_DPOP_PROOF,
                        nonce ? "DPoP nonce required" : "Invalid DPoP proof", detail)
                .with("error", failure.error())
                .with("reason", failure.tag());
        if (resource) {
            problem.header(HttpHeaders.WWW_AUTHENTICATE, challenge(failure.error(), detail));
        }
        if (nonce) {
            problem.header(DpopProofVerifier.NONCE_HEADER, verifier.nonces().current(clock.instant()));
        }
        return problem;
    }

    private String challenge(String error, String description) {
        return "DPoP error=\"" + error + "\", error_description=\"" + description + "\", algs=\""
                + verifier.rules().challengeAlgorithms() + "\"";
    }
}
