package dev.portcullis.auth.refresh;

import dev.portcullis.auth.dpop.DpopGuard;
import dev.portcullis.auth.login.TokenResponse;
import dev.portcullis.auth.observability.AuthMetrics;
import dev.portcullis.auth.refresh.RefreshTokenStore.DeliveryMode;
import dev.portcullis.auth.refresh.RefreshTokenStore.Rotation;
import dev.portcullis.auth.token.AccessTokenIssuer;
import dev.portcullis.auth.user.UserRepository;
import dev.portcullis.auth.web.ApiException;
import dev.portcullis.contract.ProblemTypes;
import dev.portcullis.contract.TokenClaims;
import dev.portcullis.dpop.DpopFailure;
import jakarta.validation.Valid;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * {@code POST /auth/refresh}: spends a refresh token and answers a new access token and the next refresh token of the
 * same family. The token comes from the JSON body ({@code {"refresh_token": "..."}}, clients that opted in at login)
 * or else from the cookie, in which case {@link CsrfGuard} must pass. Reuse of a spent token revokes the family
 * (RFC 9700 §4.14.2); of two concurrent requests with the same token exactly one wins, the other gets 409 and the
 * family survives (its cookie is left alone, so the winner's new cookie is not overwritten). A family past its sliding
 * or absolute lifetime ({@code portcullis.auth.refresh.absolute-lifetime}) is ended and the refresh refused (401).
 */
@RestController
final class RefreshController {

    private static final Logger log = LoggerFactory.getLogger(RefreshController.class);

    private final RefreshTokenStore store;
    private final RefreshCookies cookies;
    private final CsrfGuard csrf;
    private final UserRepository users;
    private final AccessTokenIssuer issuer;
    private final AuthMetrics metrics;
    private final DpopGuard dpop;
    private final Clock clock;

    RefreshController(RefreshTokenStore store, RefreshCookies cookies, CsrfGuard csrf, UserRepository users,
                      AccessTokenIssuer issuer, AuthMetrics metrics, DpopGuard dpop, Clock clock) {
        this.dpop = dpop;
        this.store = store;
        this.cookies = cookies;
        this.csrf = csrf;
        this.users = users;
        this.issuer = issuer;
        this.metrics = metrics;
        this.clock = clock;
    }

    @PostMapping(path = "/auth/refresh", produces = MediaType.APPLICATION_JSON_VALUE)
    Mono<ResponseEntity<TokenResponse>> refresh(@Valid @RequestBody(required = false) RefreshRequest body,
                                                ServerWebExchange exchange) {
        boolean fromBody = body != null && body.refreshToken() != null;
        Optional<String> presented;
        if (fromBody) {
            presented = Optional.of(body.refreshToken());
        } else {
            try {
                csrf.check(exchange.getRequest());
            } catch (ApiException e) {
                metrics.refresh("csrf_rejected");
                return Mono.error(e);
            }
            presented = cookies.read(exchange.getRequest());
        }
        if (presented.isEmpty()) {
            metrics.refresh("invalid");
            return Mono.error(ApiException.invalidToken("no refresh token").header(HttpHeaders.WWW_AUTHENTICATE, "Bearer"));
        }
        Optional<RefreshToken> token = RefreshToken.parse(presented.get());
        if (token.isEmpty()) {
            metrics.refresh("invalid");
            return Mono.error(invalid(fromBody));
        }
        return dpop.keyOfTokenRequest(exchange.getRequest()).flatMap(key -> store.rotate(token.get(), key.orElse(null))
                .flatMap(rotation -> switch (rotation.outcome()) {
            case ROTATED -> issue(rotation, fromBody, key.orElse(null));
            case KEY_MISMATCH -> {
                // a bound family without a proof of its key: refused, nothing rotated or burnt, the cookie left alone
                // (the owner's client may simply have omitted the proof; a thief's copy is useless either way)
                metrics.refresh("dpop_key_mismatch");
                log.atWarn().addKeyValue("event", "refresh_dpop_key_mismatch").addKeyValue("sub", rotation.subject())
                        .addKeyValue("family", token.get().familyId()).log("Refresh of a DPoP-bound family without its key");
                yield Mono.error(ApiException.of(HttpStatus.BAD_REQUEST, ProblemTypes.INVALID_DPOP_PROOF, "Invalid DPoP proof",
                                "This refresh token is bound to a DPoP key; send a proof signed with it")
                        .with("error", DpopFailure.INVALID_DPOP_PROOF).with("reason", DpopFailure.KEY_MISMATCH.tag()));
            }
            case RACE -> {
                metrics.refresh("race");
                yield Mono.error(ApiException.of(HttpStatus.CONFLICT, ProblemTypes.of("refresh-conflict"),
                        "Refresh conflict", "This refresh token was just used by a concurrent request"));
            }
            case REUSED -> {
                metrics.refresh("reused");
                metrics.refreshReuse();
                metrics.revocation("family");
                log.atWarn().addKeyValue("event", "refresh_reuse").addKeyValue("sub", rotation.subject())
                        .addKeyValue("family", token.get().familyId()).log("Refresh token reuse detected; family revoked");
                yield Mono.error(invalid(fromBody).header(HttpHeaders.WWW_AUTHENTICATE,
                        "Bearer error=\"invalid_token\", error_description=\"refresh token reuse detected\""));
            }
            case EXPIRED -> {
                metrics.refresh("expired");
                log.atInfo().addKeyValue("event", "refresh_expired").addKeyValue("sub", rotation.subject())
                        .addKeyValue("family", token.get().familyId()).log("Refresh family past its lifetime; ended");
                yield Mono.error(invalid(fromBody));
            }
            case UNKNOWN -> {
                metrics.refresh("invalid");
                yield Mono.error(invalid(fromBody));
            }
        }));
    }

    /**
     * @param boundTo the key the request proved, or null: the new access token is bound to it. A bound family always
     *                has it (else the rotation was {@code KEY_MISMATCH}); an unbound family's refresh with a proof
     *                gets a bound access token while the family itself stays unbound
     */
    private Mono<ResponseEntity<TokenResponse>> issue(Rotation rotation, boolean fromBody, String boundTo) {
        return users.find(rotation.username())
                .filter(user -> user.id().equals(rotation.subject()))
                .switchIfEmpty(Mono.defer(() -> {
                    metrics.refresh("invalid"); // the account is gone: so is its session
                    return store.revoke(rotation.next(), rotation.subject()).then(Mono.error(invalid(fromBody)));
                }))
                .flatMap(user -> issuer.forUser(user, List.of(TokenClaims.AMR_PASSWORD), TokenClaims.ACR_PASSWORD,
                                rotation.authenticatedAt(), boundTo)
                        // the session's login instant: a refresh is not an authentication (RFC 9470 max_age), and
                        // a step-up is not carried over to refreshed tokens (they say pwd only)
                        // A revoke-all (or logout) that ended the family after the rotation but before this token was
                        // signed may already have written its marker, and the token's iat would be after it: the
                        // family's existence, checked after signing, decides (revoke-all ends the families first).
                        .filterWhen(access -> store.isLive(rotation.next(), rotation.subject()))
                        .switchIfEmpty(Mono.defer(() -> {
                            metrics.refresh("invalid");
                            return Mono.error(invalid(fromBody));
                        }))
                        .map(access -> {
                            metrics.refresh("success");
                            log.atInfo().addKeyValue("event", "refresh").addKeyValue("sub", user.id())
                                    .addKeyValue("jti", access.jti()).log("Refreshed");
                            boolean inBody = rotation.mode() == DeliveryMode.BODY;
                            ResponseEntity.BodyBuilder response = ResponseEntity.ok().cacheControl(CacheControl.noStore());
                            if (!inBody) {
                                response.header(HttpHeaders.SET_COOKIE, cookies.issue(rotation.next()).toString());
                            }
                            return response.body(TokenResponse.of(access, clock.instant(), user,
                                    inBody ? rotation.next().value() : null, inBody ? store.lifetime().toSeconds() : null));
                        }));
    }

    private ApiException invalid(boolean fromBody) {
        ApiException problem = ApiException.invalidToken("refresh token invalid, expired or revoked");
        return fromBody ? problem : problem.header(HttpHeaders.SET_COOKIE, cookies.clear().toString());
    }
}
