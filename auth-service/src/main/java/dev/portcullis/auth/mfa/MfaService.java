package dev.portcullis.auth.mfa;

import dev.portcullis.auth.config.AuthProperties;
import dev.portcullis.auth.config.SecureRandoms;
import dev.portcullis.auth.observability.AuthMetrics;
import dev.portcullis.auth.ratelimit.AttemptLimiter;
import dev.portcullis.auth.token.AccessTokenIssuer;
import dev.portcullis.auth.token.IssuedToken;
import dev.portcullis.auth.token.VerifiedToken;
import dev.portcullis.auth.user.UserRepository;
import dev.portcullis.auth.web.ApiException;
import dev.portcullis.contract.TokenClaims;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import reactor.core.publisher.Mono;

/**
 * TOTP step-up. Enrolment stores a fresh 160-bit secret (encrypted) and shows it once, with its {@code otpauth://}
 * URI. Verification accepts a code of the current step ±1, never the same step twice, and at most
 * {@code max-failures} wrong codes before a lock-out that doubles up to {@code max-lockout}; a good code answers a new
 * access token whose {@code amr} adds {@code mfa} and {@code otp}.
 */
@Service
final class MfaService {

    private static final Logger log = LoggerFactory.getLogger(MfaService.class);

    private final MfaStore store;
    private final SecretCipher cipher;
    private final AttemptLimiter limiter;
    private final UserRepository users;
    private final AccessTokenIssuer issuer;
    private final AuthMetrics metrics;
    private final Clock clock;
    private final AuthProperties properties;
    private final AttemptLimiter.Policy policy;

    MfaService(MfaStore store, SecretCipher cipher, AttemptLimiter limiter, UserRepository users,
               AccessTokenIssuer issuer, AuthMetrics metrics, Clock clock, AuthProperties properties) {
        this.store = store;
        this.cipher = cipher;
        this.limiter = limiter;
        this.users = users;
        this.issuer = issuer;
        this.metrics = metrics;
        this.clock = clock;
        this.properties = properties;
        AuthProperties.Mfa mfa = properties.mfa();
        this.policy = new AttemptLimiter.Policy(mfa.maxFailures(), mfa.lockout(), mfa.maxLockout(),
                properties.limits().failureWindow());
    }

    Mono<Enrolled> enroll(VerifiedToken token) {
        return store.find(token.subject())
                .filter(existing -> existing.active() && !token.hasMfa())
                .flatMap(existing -> Mono.<Enrolled>error(ApiException.conflict(
                        "TOTP is already active; step up with a current code before enrolling a new device")))
                .switchIfEmpty(Mono.defer(() -> {
                    byte[] secret = SecureRandoms.bytes(20);
                    return store.savePending(token.subject(), cipher.encrypt(secret, token.subject()))
                            .then(Mono.fromSupplier(() -> {
                                log.atInfo().addKeyValue("event", "mfa_enroll").addKeyValue("sub", token.subject())
                                        .log("TOTP enrolment started");
                                String base32 = Base32.encode(secret);
                                return new Enrolled(base32, otpauthUri(token.username(), base32));
                            }));
                }));
    }

    Mono<IssuedToken> verify(VerifiedToken token, String code, String clientIp) {
        String subjectKey = AttemptLimiter.key("mfa", token.subject());
        String ipKey = AttemptLimiter.key("mfa-ip", clientIp);
        return limiter.consume(ipKey, properties.limits().ipAttempts(), properties.limits().ipWindow())
                .flatMap(wait -> wait.isPresent() ? Mono.error(limited(wait.get())) : store.find(token.subject()))
                .switchIfEmpty(Mono.defer(() -> {
                    metrics.mfaVerification("not_enrolled");
                    return Mono.error(ApiException.conflict("TOTP is not enrolled; call /auth/mfa/enroll first"));
                }))
                // checks the lock-out and counts this code as a failure in one step, before the code is judged
                .flatMap(enrolment -> limiter.attempt(subjectKey, policy).flatMap(wait -> wait.isPresent()
                        ? Mono.<MfaStore.Enrolment>error(limited(wait.get())) : Mono.just(enrolment)))
                .flatMap(enrolment -> {
                    byte[] secret = cipher.decrypt(enrolment.encryptedSecret(), token.subject());
                    OptionalLong step = Totp.matchingStep(secret, code, clock.instant());
                    if (step.isEmpty()) {
                        return failure("invalid_code", "Invalid code");
                    }
                    return store.acceptStep(token.subject(), step.getAsLong()).flatMap(accepted -> accepted
                            ? success(token, subjectKey)
                            : failure("reused_code", "This code was already used; wait for the next one"));
                });
    }

    private Mono<IssuedToken> success(VerifiedToken token, String subjectKey) {
        return limiter.reset(subjectKey)
                .then(users.find(token.username()))
                .filter(user -> user.id().equals(token.subject()))
                .switchIfEmpty(Mono.error(() -> ApiException.invalidToken("account no longer exists")))
                .flatMap(user -> issuer.forUser(user,
                        List.of(TokenClaims.AMR_PASSWORD, TokenClaims.AMR_MFA, TokenClaims.AMR_OTP)))
                .doOnNext(issued -> {
                    metrics.mfaVerification("success");
                    log.atInfo().addKeyValue("event", "mfa_verify").addKeyValue("outcome", "success")
                            .addKeyValue("sub", token.subject()).addKeyValue("jti", issued.jti()).log("TOTP step-up");
                });
    }

    /** The failure was already counted by {@link AttemptLimiter#attempt} before the code was judged. */
    private Mono<IssuedToken> failure(String outcome, String detail) {
        return Mono.defer(() -> {
            metrics.mfaVerification(outcome);
            log.atInfo().addKeyValue("event", "mfa_verify").addKeyValue("outcome", outcome).log("TOTP refused");
            return Mono.error(ApiException.invalidCredentials(detail));
        });
    }

    private ApiException limited(Duration wait) {
        metrics.mfaVerification("rate_limited");
        return ApiException.rateLimited(wait);
    }

    private String otpauthUri(String username, String base32) {
        String issuerLabel = properties.mfa().issuerLabel();
        String label = encode(issuerLabel) + ":" + encode(username);
        return "otpauth://totp/" + label + "?secret=" + base32 + "&issuer=" + encode(issuerLabel)
                + "&algorithm=SHA1&digits=" + Totp.DIGITS + "&period=" + Totp.PERIOD_SECONDS;
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** A started enrolment: the secret (base32) and the URI an authenticator app scans. */
    record Enrolled(String secret, String otpauthUri) {
        @Override
        public String toString() {
            return "Enrolled[***]";
        }
    }
}
