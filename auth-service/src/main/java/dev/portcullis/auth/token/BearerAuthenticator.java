package dev.portcullis.auth.token;

import dev.portcullis.auth.dpop.DpopGuard;
import dev.portcullis.auth.web.ApiException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Authenticates a request by its {@code Authorization: Bearer} access token (RFC 6750), or {@code Authorization: DPoP}
 * with a proof for a DPoP-bound token (RFC 9449, {@link DpopGuard}), and nothing else: identity headers set by a proxy
 * are ignored here, because this service is reachable behind the gateway and must not depend on having been reached
 * through it.
 */
@Component
public final class BearerAuthenticator {

    private static final String PREFIX = "bearer ";
    private static final String DPOP_PREFIX = "dpop ";

    private final IssuedTokenVerifier verifier;
    private final DpopGuard dpop;

    BearerAuthenticator(IssuedTokenVerifier verifier, DpopGuard dpop) {
        this.verifier = verifier;
        this.dpop = dpop;
    }

    /** A verified user token; 401 when absent or invalid. */
    public Mono<VerifiedToken> authenticate(ServerHttpRequest request) {
        String authorization = request.getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
        if (authorization == null || authorization.isBlank()) {
            return Mono.error(ApiException.missingToken());
        }
        boolean dpopScheme = authorization.length() > DPOP_PREFIX.length()
                && authorization.regionMatches(true, 0, DPOP_PREFIX, 0, DPOP_PREFIX.length());
        if (!dpopScheme && (authorization.length() <= PREFIX.length()
                || !authorization.regionMatches(true, 0, PREFIX, 0, PREFIX.length()))) {
            return Mono.error(ApiException.invalidToken("expected a Bearer token"));
        }
        String token = authorization.substring(dpopScheme ? DPOP_PREFIX.length() : PREFIX.length()).trim();
        return verifier.verify(token)
                .flatMap(verified -> dpop.checkTokenUse(request, dpopScheme, token, verified))
                .flatMap(verified -> verified.isUserToken()
                ? Mono.just(verified)
                : Mono.error(ApiException.insufficientScope("a user token is required")));
    }

    /**
     * A verified token of a user with role {@code admin} and a completed MFA step-up ({@code mfa} in {@code amr}); 403
     * {@code insufficient_scope} otherwise. A stolen admin password alone must not create users or rotate keys.
     */
    public Mono<VerifiedToken> authenticateAdmin(ServerHttpRequest request) {
        return authenticate(request).flatMap(token -> {
            if (!token.isAdmin()) {
                return Mono.error(ApiException.insufficientScope("role admin required"));
            }
            if (!token.hasMfa()) {
                return Mono.error(ApiException.insufficientScope(
                        "an MFA step-up is required (POST /auth/mfa/verify)"));
            }
            return Mono.just(token);
        });
    }
}
