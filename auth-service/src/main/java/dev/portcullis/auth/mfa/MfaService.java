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
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import reactor.core.publisher.Mono;

/**
 * TOTP step-up. Enrolment stores a fresh 160-bit secret (encrypted) and shows it once, with its {@code otpauth://}
 * URI. Verification accepts a code of the current step ±1, never the same step twice, and at most
 * {@code max-failures} wrong codes before a lock-out that doubles up to {@code max-lockout}; a good code answers a new
 * access token whose {@code amr} adds {@code mfa} and {@code otp}, with
 * {@code acr} {@code urn:portcullis:acr:mfa} and {@code auth_time} the instant of the step-up (RFC 9470).
 * <p>
 * Who may enrol: a first enrolment needs only a user token (there is nothing stronger yet), but while it is pending
 * (until its first good code, at most {@code enrolment-lifetime}) only the same access token may start it again, so a
 * stolen password cannot swap the secret the owner is scanning. Once a secret is active, a new device needs a token
 * with {@code mfa} <em>and</em> a current, unused code of the active secret (judged under the same lock-out as
 * verification); the active secret keeps working until the new one's first good code, so a device lost half-way
 * through does not lock the owner out.
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

    /** Starts an enrolment; {@code code} (a current code of the active secret) is needed only to replace one. */
    Mono<Enrolled> enroll(VerifiedToken token, String code, String clientIp) {
        return store.find(token.subject())
                .map(Optional::of).defaultIfEmpty(Optional.empty())
                .flatMap(existing -> existing.filter(MfaStore.Enrolment::isActive).isPresent()
                        ? replace(token, existing.get(), code, clientIp)
                        : first(token));
    }

    private Mono<Enrolled> first(VerifiedToken token) {
        byte[] secret = SecureRandoms.bytes(20);
        Instant now = clock.instant();
        return store.startFirst(token.subject(), cipher.encrypt(secret, token.subject()), now,
                        properties.mfa().enrolmentLifetime(), token.jti())
                .flatMap(outcome -> switch (outcome) {
                    case "ok" -> Mono.just(enrolled(token, secret, "started"));
                    case "pending" -> Mono.error(enrolRefused(token, "pending", ApiException.conflict(
                            "An enrolment is pending; verify it with /auth/mfa/verify, or start again with the same "
                                    + "access token or after it expires")));
                    default -> Mono.error(enrolRefused(token, "active", alreadyActive()));
                });
    }

    /** A new device while a secret is active: needs {@code mfa} and a current code of the active secret. */
    private Mono<Enrolled> replace(VerifiedToken token, MfaStore.Enrolment existing, String code, String clientIp) {
        if (!token.hasMfa()) {
            return Mono.error(enrolRefused(token, "no_mfa", alreadyActive()));
        }
        if (code == null) {
            return Mono.error(enrolRefused(token, "no_code", ApiException.badRequest(
                    "code is required: a current code of the active authenticator, to enrol a new one")));
        }
        String subjectKey = AttemptLimiter.key("mfa", token.subject());
        return admit(subjectKey, clientIp).then(Mono.defer(() -> {
            byte[] active = cipher.decrypt(existing.activeSecret(), token.subject());
            OptionalLong step = Totp.matchingStep(active, code, clock.instant());
            if (step.isEmpty()) {
                return failure("invalid_code", "Invalid code");
            }
            byte[] secret = SecureRandoms.bytes(20);
            Instant pendingUntil = clock.instant().plus(properties.mfa().enrolmentLifetime());
            return store.startReplacement(token.subject(), cipher.encrypt(secret, token.subject()), pendingUntil,
                            token.jti(), existing.activeSecret(), step.getAsLong())
                    .flatMap(outcome -> switch (outcome) {
                        case "ok" -> limiter.reset(subjectKey).thenReturn(enrolled(token, secret, "replacement_started"));
                        case "reused" -> failure("reused_code", "This code was already used; wait for the next one");
                        default -> Mono.error(enrolRefused(token, "changed",
                                ApiException.conflict("The enrolment changed meanwhile; try again")));
                    });
        }));
    }

    Mono<IssuedToken> verify(VerifiedToken token, String code, String clientIp) {
        String subjectKey = AttemptLimiter.key("mfa", token.subject());
        return store.find(token.subject())
                .filter(enrolment -> enrolment.isActive() || enrolment.livePending(clock.instant()) != null)
                .switchIfEmpty(Mono.defer(() -> {
                    metrics.mfaVerification("not_enrolled");
                    return Mono.error(ApiException.conflict("TOTP is not enrolled; call /auth/mfa/enroll first"));
                }))
                .flatMap(enrolment -> admit(subjectKey, clientIp).thenReturn(enrolment))
                .flatMap(enrolment -> {
                    Instant now = clock.instant();
                    // the active secret first (a step-up), then a pending one (its first good code activates it)
                    if (enrolment.isActive()) {
                        OptionalLong step = Totp.matchingStep(
                                cipher.decrypt(enrolment.activeSecret(), token.subject()), code, now);
                        if (step.isPresent()) {
                            return accept(token, subjectKey, false, enrolment.activeSecret(), step.getAsLong(), now);
                        }
                    }
                    String pending = enrolment.livePending(now);
                    if (pending != null) {
                        OptionalLong step = Totp.matchingStep(cipher.decrypt(pending, token.subject()), code, now);
                        if (step.isPresent()) {
                            return accept(token, subjectKey, true, pending, step.getAsLong(), now);
                        }
                    }
                    return failure("invalid_code", "Invalid code");
                });
    }

    /**
     * The per-IP limit, then the subject's lock-out, which counts this code as a failure in the same step, before it
     * is judged: parallel guesses cannot all pass the check before the first failure is written.
     */
    private Mono<Void> admit(String subjectKey, String clientIp) {
        AuthProperties.Limits limits = properties.limits();
        return limiter.consume(AttemptLimiter.key("mfa-ip", clientIp), limits.ipAttempts(), limits.ipWindow())
                .flatMap(wait -> wait.isPresent() ? Mono.error(limited(wait.get())) : limiter.attempt(subjectKey, policy))
                .flatMap(wait -> wait.isPresent() ? Mono.error(limited(wait.get())) : Mono.empty());
    }

    private Mono<IssuedToken> accept(VerifiedToken token, String subjectKey, boolean pending, String secret, long step,
                                     Instant now) {
        return store.accept(token.subject(), pending, secret, step, now).flatMap(accepted -> switch (accepted) {
            case YES -> {
                if (pending) {
                    log.atInfo().addKeyValue("event", "mfa_enroll").addKeyValue("outcome", "activated")
                            .addKeyValue("sub", token.subject()).log("TOTP secret activated");
                }
                yield success(token, subjectKey);
            }
            case REUSED -> failure("reused_code", "This code was already used; wait for the next one");
            case CHANGED -> failure("invalid_code", "Invalid code");
        });
    }

    private Enrolled enrolled(VerifiedToken token, byte[] secret, String outcome) {
        log.atInfo().addKeyValue("event", "mfa_enroll").addKeyValue("outcome", outcome)
                .addKeyValue("sub", token.subject()).log("TOTP enrolment started");
        String base32 = Base32.encode(secret);
        return new Enrolled(base32, otpauthUri(token.username(), base32));
    }

    private static ApiException enrolRefused(VerifiedToken token, String outcome, ApiException answer) {
        log.atInfo().addKeyValue("event", "mfa_enroll").addKeyValue("outcome", outcome)
                .addKeyValue("sub", token.subject()).log("TOTP enrolment refused");
        return answer;
    }

    private static ApiException alreadyActive() {
        return ApiException.conflict("TOTP is already active; step up with a current code, then enrol the new device "
                + "with {\"code\": a current code of the active one}");
    }

    private Mono<IssuedToken> success(VerifiedToken token, String subjectKey) {
        return limiter.reset(subjectKey)
                .then(users.find(token.username()))
                .filter(user -> user.id().equals(token.subject()))
                .switchIfEmpty(Mono.error(() -> ApiException.invalidToken("account no longer exists")))
                // the step-up is an authentication of its own: auth_time is now, acr says it had a second factor
                .flatMap(user -> issuer.forUser(user,
                        List.of(TokenClaims.AMR_PASSWORD, TokenClaims.AMR_MFA, TokenClaims.AMR_OTP), TokenClaims.ACR_MFA, null,
                        // a step-up of a DPoP-bound token stays bound to the same key (its proof was checked)
                        token.boundTo()))
                .doOnNext(issued -> {
                    metrics.mfaVerification("success");
                    log.atInfo().addKeyValue("event", "mfa_verify").addKeyValue("outcome", "success")
                            .addKeyValue("sub", token.subject()).addKeyValue("jti", issued.jti()).log("TOTP step-up");
                });
    }

    /** The failure was already counted by {@link AttemptLimiter#attempt} before the code was judged. */
    private <T> Mono<T> failure(String outcome, String detail) {
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
