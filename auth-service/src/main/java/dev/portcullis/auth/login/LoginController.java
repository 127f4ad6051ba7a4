package dev.portcullis.auth.login;

import dev.portcullis.auth.dpop.DpopGuard;
import dev.portcullis.auth.refresh.RefreshCookies;
import dev.portcullis.auth.refresh.RefreshTokenStore;
import dev.portcullis.auth.refresh.RefreshTokenStore.DeliveryMode;
import dev.portcullis.auth.web.ClientIpResolver;
import jakarta.validation.Valid;
import java.time.Clock;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * {@code POST /auth/login}: username and password in, access token (and refresh token, as cookie or body) out. With a
 * valid DPoP proof the access token and the refresh family are bound to the proof's key ({@code token_type: DPoP}).
 */
@RestController
final class LoginController {

    private final LoginService logins;
    private final RefreshCookies cookies;
    private final RefreshTokenStore refreshTokens;
    private final ClientIpResolver clientIps;
    private final DpopGuard dpop;
    private final Clock clock;

    LoginController(LoginService logins, RefreshCookies cookies, RefreshTokenStore refreshTokens,
                    ClientIpResolver clientIps, DpopGuard dpop, Clock clock) {
        this.dpop = dpop;
        this.logins = logins;
        this.cookies = cookies;
        this.refreshTokens = refreshTokens;
        this.clientIps = clientIps;
        this.clock = clock;
    }

    @PostMapping(path = "/auth/login", consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
    Mono<ResponseEntity<TokenResponse>> login(@Valid @RequestBody LoginRequest request, ServerWebExchange exchange) {
        // a DPoP proof, when sent, is checked before the password: a bad one costs no login attempt
        return dpop.keyOfTokenRequest(exchange.getRequest())
                .flatMap(key -> logins.login(request, clientIps.clientIp(exchange.getRequest()), key.orElse(null)))
                .map(result -> {
            ResponseEntity.BodyBuilder response = ResponseEntity.ok().cacheControl(CacheControl.noStore());
            boolean inBody = result.mode() == DeliveryMode.BODY;
            if (!inBody) {
                response.header(HttpHeaders.SET_COOKIE, cookies.issue(result.refreshToken()).toString());
            }
            return response.body(TokenResponse.of(result.accessToken(), clock.instant(), result.user(),
                    inBody ? result.refreshToken().value() : null,
                    inBody ? refreshTokens.lifetime().toSeconds() : null));
        });
    }
}
