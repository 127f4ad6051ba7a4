package dev.portcullis.auth.mfa;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.portcullis.auth.login.TokenResponse;
import dev.portcullis.auth.token.BearerAuthenticator;
import dev.portcullis.auth.web.ClientIpResolver;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * {@code POST /auth/mfa/enroll} and {@code POST /auth/mfa/verify}, both with a Bearer access token. The enrolment
 * answer is the one place a TOTP secret is ever shown: the user has to copy it into an authenticator app.
 */
@RestController
final class MfaController {

    private final BearerAuthenticator authenticator;
    private final MfaService mfa;
    private final ClientIpResolver clientIps;
    private final Clock clock;

    MfaController(BearerAuthenticator authenticator, MfaService mfa, ClientIpResolver clientIps, Clock clock) {
        this.authenticator = authenticator;
        this.mfa = mfa;
        this.clientIps = clientIps;
        this.clock = clock;
    }

    /**
     * No body for a first enrolment; {@code {"code": "123456"}}, a current code of the active secret, to enrol a new
     * device over an active one.
     */
    @PostMapping(path = "/auth/mfa/enroll", produces = MediaType.APPLICATION_JSON_VALUE)
    Mono<ResponseEntity<Map<String, Object>>> enroll(@Valid @RequestBody(required = false) EnrollRequest request,
                                                     ServerWebExchange exchange) {
        String code = request == null ? null : request.code();
        return authenticator.authenticate(exchange.getRequest())
                .flatMap(token -> mfa.enroll(token, code, clientIps.clientIp(exchange.getRequest())))
                .map(enrolled -> {
                    Map<String, Object> body = new LinkedHashMap<>();
                    body.put("secret", enrolled.secret());
                    body.put("otpauth_uri", enrolled.otpauthUri());
                    body.put("algorithm", "SHA1");
                    body.put("digits", Totp.DIGITS);
                    body.put("period", Totp.PERIOD_SECONDS);
                    return ResponseEntity.status(HttpStatus.CREATED).cacheControl(CacheControl.noStore()).body(body);
                });
    }

    @PostMapping(path = "/auth/mfa/verify", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    Mono<ResponseEntity<TokenResponse>> verify(@Valid @RequestBody VerifyRequest request, ServerWebExchange exchange) {
        return authenticator.authenticate(exchange.getRequest())
                .flatMap(token -> mfa.verify(token, request.code(), clientIps.clientIp(exchange.getRequest())))
                .map(issued -> ResponseEntity.ok().cacheControl(CacheControl.noStore())
                        .body(TokenResponse.of(issued, clock.instant(), null, null, null)));
    }

    /** {@code {"code": "123456"}} or nothing. */
    record EnrollRequest(@Pattern(regexp = "^[0-9]{6}$", message = "must be 6 digits") @JsonProperty("code") String code) {
        @Override
        public String toString() {
            return "EnrollRequest[***]";
        }
    }

    /** {@code {"code": "123456"}}. */
    record VerifyRequest(@NotNull @Pattern(regexp = "^[0-9]{6}$", message = "must be 6 digits") @JsonProperty("code") String code) {
        @Override
        public String toString() {
            return "VerifyRequest[***]";
        }
    }
}
