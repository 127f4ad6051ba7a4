package dev.portcullis.auth.login;

import dev.portcullis.auth.config.AuthProperties;
import dev.portcullis.auth.observability.AuthMetrics;
import dev.portcullis.auth.ratelimit.AttemptLimiter;
import dev.portcullis.auth.refresh.RefreshToken;
import dev.portcullis.auth.refresh.RefreshTokenStore;
import dev.portcullis.auth.refresh.RefreshTokenStore.DeliveryMode;
import dev.portcullis.auth.token.AccessTokenIssuer;
import dev.portcullis.auth.token.IssuedToken;
import dev.portcullis.auth.user.PasswordHasher;
import dev.portcullis.auth.user.User;
import dev.portcullis.auth.user.UserRepository;
import dev.portcullis.auth.user.Usernames;
import dev.portcullis.auth.web.ApiException;
import dev.portcullis.contract.TokenClaims;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import reactor.core.publisher.Mono;

/**
 * Password login. Order of checks: the per-IP limit, then the lock-out of this account from this IP (so that an
 * attacker elsewhere cannot lock the owner out), which counts the attempt as a failure in the same Redis step (so that
 * parallel guesses cannot all slip past the check), then exactly one BCrypt check, against the user's hash or a dummy
 * one, so that an unknown user and a wrong password cost the same time and get the same answer. A locked-out attempt
 * gets no BCrypt check at all. Failures are counted for unknown names too, or the lock-out itself would tell which
 * names exist.
 */
@Service
public final class LoginService {

    private static final Logger log = LoggerFactory.getLogger(LoginService.class);
    static final String WRONG_CREDENTIALS = "Invalid username or password";

    private final UserRepository users;
    private final PasswordHasher hasher;
    private final AttemptLimiter limiter;
    private final RefreshTokenStore refreshTokens;
    private final AccessTokenIssuer issuer;
    private final AuthMetrics metrics;
    private final AuthProperties.Limits limits;
    private final AttemptLimiter.Policy lockoutPolicy;

    LoginService(UserRepository users, PasswordHasher hasher, AttemptLimiter limiter, RefreshTokenStore refreshTokens,
                 AccessTokenIssuer issuer, AuthMetrics metrics, AuthProperties properties) {
        this.users = users;
        this.hasher = hasher;
        this.limiter = limiter;
        this.refreshTokens = refreshTokens;
        this.issuer = issuer;
        this.metrics = metrics;
        this.limits = properties.limits();
        this.lockoutPolicy = new AttemptLimiter.Policy(limits.accountFailures(), limits.lockout(), limits.maxLockout(),
                limits.failureWindow());
    }

    public Mono<LoginResult> login(LoginRequest request, String clientIp) {
        return login(request, clientIp, null);
    }

    /**
     * @param boundTo the thumbprint of the DPoP key the request proved possession of, or null: the access token and
     *                the new refresh family are bound to it
     */
    public Mono<LoginResult> login(LoginRequest request, String clientIp, String boundTo) {
        String username = Usernames.normalize(request.username());
        String ipKey = AttemptLimiter.key("login-ip", clientIp);
        String accountKey = AttemptLimiter.key("login-account", username + "|" + clientIp);
        DeliveryMode mode = request.wantsRefreshTokenInBody() ? DeliveryMode.BODY : DeliveryMode.COOKIE;
        return limiter.consume(ipKey, limits.ipAttempts(), limits.ipWindow())
                .flatMap(wait -> wait.isPresent() ? Mono.error(limited(wait.get(), "ip"))
                        : limiter.attempt(accountKey, lockoutPolicy))
                .flatMap(wait -> wait.isPresent() ? Mono.error(limited(wait.get(), "account")) : Mono.just(username))
                .flatMap(name -> users.find(name).map(Optional::of).defaultIfEmpty(Optional.empty()))
                .flatMap(user -> hasher.matches(request.password(), user.map(User::passwordHash).orElse(null))
                        .flatMap(ok -> ok
                                ? succeed(user.orElseThrow(), accountKey, mode, boundTo)
                                : fail()));
    }

    private Mono<LoginResult> succeed(User user, String accountKey, DeliveryMode mode, String boundTo) {
        return limiter.reset(accountKey)
                .then(refreshTokens.create(user.id(), user.username(), mode, boundTo))
                .zipWith(issuer.forUser(user, List.of(TokenClaims.AMR_PASSWORD), TokenClaims.ACR_PASSWORD, null, boundTo))
                .map(pair -> new LoginResult(user, pair.getT2(), pair.getT1(), mode))
                .doOnNext(result -> {
                    metrics.login("success");
                    log.atInfo().addKeyValue("event", "login").addKeyValue("outcome", "success")
                            .addKeyValue("sub", user.id()).addKeyValue("jti", result.accessToken().jti())
                            .addKeyValue("dpop", boundTo != null).log("Login");
                });
    }

    /** The failure was already counted by {@link AttemptLimiter#attempt} before the check. */
    private Mono<LoginResult> fail() {
        return Mono.defer(() -> {
            metrics.login("invalid_credentials");
            log.atInfo().addKeyValue("event", "login").addKeyValue("outcome", "invalid_credentials").log("Login refused");
            return Mono.error(ApiException.invalidCredentials(WRONG_CREDENTIALS));
        });
    }

    private ApiException limited(java.time.Duration wait, String limit) {
        metrics.login("rate_limited");
        log.atInfo().addKeyValue("event", "login").addKeyValue("outcome", "rate_limited").addKeyValue("limit", limit)
                .log("Login refused");
        return ApiException.rateLimited(wait);
    }

    /** A successful login: the user, its access token and the first refresh token of a new family. */
    public record LoginResult(User user, IssuedToken accessToken, RefreshToken refreshToken, DeliveryMode mode) {
    }
}
