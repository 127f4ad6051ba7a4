package dev.portcullis.auth.revocation;

import dev.portcullis.auth.observability.AuthMetrics;
import dev.portcullis.auth.refresh.RefreshCookies;
import dev.portcullis.auth.refresh.RefreshRequest;
import dev.portcullis.auth.refresh.RefreshToken;
import dev.portcullis.auth.refresh.RefreshTokenStore;
import dev.portcullis.auth.token.BearerAuthenticator;
import dev.portcullis.auth.token.VerifiedToken;
import dev.portcullis.auth.user.UserRepository;
import dev.portcullis.auth.user.Usernames;
import dev.portcullis.auth.web.ApiException;
import jakarta.validation.Valid;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import reactor.util.function.Tuples;

/**
 * Taking tokens back. {@code POST /auth/logout}: revokes the presented access token's {@code jti} and deletes the
 * refresh family of the refresh token that comes with the request (cookie or body), then clears the cookie.
 * {@code POST /auth/revoke-all}: every token of the caller (or, for an admin, of the named user) issued up to now is
 * refused everywhere, and all of its refresh families are deleted. {@code GET /auth/me}: who the token says you are.
 */
@RestController
final class RevocationController {

    private static final Logger log = LoggerFactory.getLogger(RevocationController.class);

    private final BearerAuthenticator authenticator;
    private final RevocationStore revocations;
    private final RefreshTokenStore refreshTokens;
    private final RefreshCookies cookies;
    private final UserRepository users;
    private final AuthMetrics metrics;

    RevocationController(BearerAuthenticator authenticator, RevocationStore revocations, RefreshTokenStore refreshTokens,
                         RefreshCookies cookies, UserRepository users, AuthMetrics metrics) {
        this.authenticator = authenticator;
        this.revocations = revocations;
        this.refreshTokens = refreshTokens;
        this.cookies = cookies;
        this.users = users;
        this.metrics = metrics;
    }

    @PostMapping("/auth/logout")
    Mono<ResponseEntity<Void>> logout(@Valid @RequestBody(required = false) RefreshRequest body, ServerWebExchange exchange) {
        Optional<RefreshToken> refresh = Optional.ofNullable(body).map(RefreshRequest::refreshToken)
                .or(() -> cookies.read(exchange.getRequest()))
                .flatMap(RefreshToken::parse);
        return authenticator.authenticate(exchange.getRequest())
                .flatMap(token -> revocations.revokeToken(token.jti(), token.expiresAt())
                        .doOnSuccess(done -> metrics.revocation("token"))
                        .then(refresh.map(r -> refreshTokens.revoke(r, token.subject())).orElse(Mono.just(false)))
                        .doOnNext(familyDeleted -> {
                            if (familyDeleted) {
                                metrics.revocation("family");
                            }
                            log.atInfo().addKeyValue("event", "logout").addKeyValue("sub", token.subject())
                                    .addKeyValue("jti", token.jti()).addKeyValue("familyRevoked", familyDeleted).log("Logout");
                        }))
                .thenReturn(ResponseEntity.noContent()
                        .header(HttpHeaders.SET_COOKIE, cookies.clear().toString())
                        .<Void>build());
    }

    @PostMapping(path = "/auth/revoke-all", produces = MediaType.APPLICATION_JSON_VALUE)
    Mono<ResponseEntity<Map<String, Object>>> revokeAll(@Valid @RequestBody(required = false) RevokeAllRequest body,
                                                        ServerWebExchange exchange) {
        return authenticator.authenticate(exchange.getRequest())
                // The families first, then the marker: a refresh that rotated before the families ended is refused
                // by the marker (its token's iat is before it) or by its own check that the family still lives.
                .flatMap(caller -> target(caller, body).flatMap(subject -> refreshTokens.revokeAll(subject)
                        .flatMap(families -> revocations.revokeSubject(subject).map(revokedAt -> Tuples.of(revokedAt, families)))
                        .map(result -> {
                            metrics.revocation("subject");
                            if (result.getT2() > 0) {
                                metrics.revocation("family");
                            }
                            log.atInfo().addKeyValue("event", "revoke_all").addKeyValue("sub", subject)
                                    .addKeyValue("by", caller.subject()).addKeyValue("revokedAt", result.getT1())
                                    .addKeyValue("families", result.getT2()).log("Revoke-all");
                            Map<String, Object> response = new LinkedHashMap<>();
                            response.put("subject", subject);
                            response.put("revoked_at", result.getT1());
                            response.put("refresh_families_revoked", result.getT2());
                            ResponseEntity.BodyBuilder builder = ResponseEntity.ok().cacheControl(CacheControl.noStore());
                            if (subject.equals(caller.subject())) {
                                builder.header(HttpHeaders.SET_COOKIE, cookies.clear().toString());
                            }
                            return builder.body(response);
                        })));
    }

    @GetMapping(path = "/auth/me", produces = MediaType.APPLICATION_JSON_VALUE)
    Mono<Map<String, Object>> me(ServerWebExchange exchange) {
        return authenticator.authenticate(exchange.getRequest()).map(token -> {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("id", token.subject());
            body.put("username", token.username());
            body.put("role", token.role());
            body.put("permissions", token.permissions());
            body.put("amr", token.amr());
            return body;
        });
    }

    private Mono<String> target(VerifiedToken caller, RevokeAllRequest body) {
        if (body == null || body.username() == null) {
            return Mono.just(caller.subject());
        }
        String username = Usernames.normalize(body.username());
        if (username.equals(caller.username())) {
            return Mono.just(caller.subject());
        }
        // Ending another user's sessions is an admin action: the same rule as the admin API (role admin and an MFA
        // step-up), so a stolen password-only admin token cannot sign everybody out.
        if (!caller.isAdmin()) {
            return Mono.error(ApiException.insufficientScope("role admin required to revoke another user's tokens"));
        }
        if (!caller.hasMfa()) {
            return Mono.error(ApiException.insufficientScope(
                    "an MFA step-up is required to revoke another user's tokens (POST /auth/mfa/verify)"));
        }
        return users.find(username).map(user -> user.id())
                .switchIfEmpty(Mono.error(ApiException.notFound("No such user")));
    }
}
