package dev.portcullis.auth.client;

import dev.portcullis.auth.config.AuthProperties;
import dev.portcullis.auth.dpop.DpopGuard;
import dev.portcullis.auth.observability.AuthMetrics;
import dev.portcullis.auth.ratelimit.AttemptLimiter;
import dev.portcullis.auth.token.AccessTokenIssuer;
import dev.portcullis.auth.user.PasswordHasher;
import dev.portcullis.auth.web.ApiException;
import dev.portcullis.auth.web.ClientIpResolver;
import dev.portcullis.contract.ProblemTypes;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.util.MultiValueMap;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * {@code POST /oauth2/token} with {@code grant_type=client_credentials} (RFC 6749 §4.4): HTTP Basic client
 * authentication, an optional {@code scope} (a subset of the client's, default all of them) and an optional
 * {@code audience} (one of the client's, default its first). Errors are problem documents that also carry the OAuth
 * {@code error} code.
 */
@RestController
final class ClientCredentialsController {

    private static final Logger log = LoggerFactory.getLogger(ClientCredentialsController.class);
    private static final int MAX_CLIENT_ID_LENGTH = 128;

    private final ClientRegistry clients;
    private final PasswordHasher hasher;
    private final AccessTokenIssuer issuer;
    private final AttemptLimiter limiter;
    private final ClientIpResolver clientIps;
    private final AuthMetrics metrics;
    private final AuthProperties.Limits limits;
    private final AttemptLimiter.Policy lockoutPolicy;
    private final DpopGuard dpop;
    private final Clock clock;

    ClientCredentialsController(ClientRegistry clients, PasswordHasher hasher, AccessTokenIssuer issuer,
                                AttemptLimiter limiter, ClientIpResolver clientIps, AuthMetrics metrics,
                                AuthProperties properties, DpopGuard dpop, Clock clock) {
        this.dpop = dpop;
        this.clients = clients;
        this.hasher = hasher;
        this.issuer = issuer;
        this.limiter = limiter;
        this.clientIps = clientIps;
        this.metrics = metrics;
        this.limits = properties.limits();
        // client secrets are locked out like passwords (account-failures, lockout, max-lockout, failure-window)
        this.lockoutPolicy = new AttemptLimiter.Policy(limits.accountFailures(), limits.lockout(), limits.maxLockout(),
                limits.failureWindow());
        this.clock = clock;
    }

    @PostMapping(path = TokenEndpoint.PATH, consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    Mono<ResponseEntity<Map<String, Object>>> token(ServerWebExchange exchange) {
        String clientIp = clientIps.clientIp(exchange.getRequest());
        String ipKey = AttemptLimiter.key("token-ip", clientIp);
        return limiter.consume(ipKey, limits.tokenEndpointAttempts(), limits.ipWindow())
                .flatMap(wait -> {
                    if (wait.isPresent()) {
                        return Mono.error(limited(wait.get(), "ip"));
                    }
                    return exchange.getFormData();
                })
                // a DPoP proof, when sent, binds the client's token to its key (RFC 9449 section 5)
                .flatMap(form -> dpop.keyOfTokenRequest(exchange.getRequest())
                        .flatMap(key -> handle(form, exchange.getRequest().getHeaders(), clientIp, key.orElse(null))));
    }

    private Mono<ResponseEntity<Map<String, Object>>> handle(MultiValueMap<String, String> form, HttpHeaders headers,
                                                             String clientIp, String boundTo) {
        String grantType = single(form, "grant_type");
        if (grantType == null || !TokenEndpoint.GRANT_TYPES.contains(grantType)) {
            return Mono.error(oauth(HttpStatus.BAD_REQUEST, "unsupported_grant_type",
                    "Only grant_type=client_credentials is supported here"));
        }
        Optional<String[]> credentials = basicCredentials(headers);
        if (credentials.isEmpty()) {
            return Mono.error(invalidClient());
        }
        String clientId = credentials.get()[0];
        Optional<AuthProperties.Client> client = clients.find(clientId);
        // The lock-out of this client id from this IP (so that an attacker elsewhere cannot lock the service out),
        // checked and counted in one step before the secret is judged; unknown ids are locked the same way.
        String lockKey = AttemptLimiter.key("client", clientId + "|" + clientIp);
        return limiter.attempt(lockKey, lockoutPolicy).flatMap(locked -> {
            if (locked.isPresent()) {
                return Mono.error(limited(locked.get(), "client"));
            }
            // Unknown clients cost one BCrypt check too (against the dummy hash): no client enumeration by timing.
            return hasher.matches(credentials.get()[1], client.map(AuthProperties.Client::secretHash).orElse(null))
                    .flatMap(ok -> ok
                            ? limiter.reset(lockKey).then(Mono.defer(() -> issue(client.orElseThrow(), form, boundTo)))
                            : Mono.error(invalidClient()));
        });
    }

    private Mono<ResponseEntity<Map<String, Object>>> issue(AuthProperties.Client client, MultiValueMap<String, String> form,
                                                            String boundTo) {
        String requestedScope = single(form, "scope");
        List<String> scopes;
        if (requestedScope == null || requestedScope.isBlank()) {
            scopes = client.scopes();
        } else {
            Set<String> requested = new LinkedHashSet<>(Arrays.asList(requestedScope.trim().split("\\s+")));
            if (!client.scopes().containsAll(requested)) {
                metrics.clientToken("invalid_scope");
                return Mono.error(oauth(HttpStatus.BAD_REQUEST, "invalid_scope", "A requested scope is not allowed for this client"));
            }
            scopes = List.copyOf(requested);
        }
        String audience = single(form, "audience");
        if (audience == null || audience.isBlank()) {
            audience = client.audiences().getFirst();
        } else if (!client.audiences().contains(audience)) {
            metrics.clientToken("invalid_target");
            return Mono.error(oauth(HttpStatus.BAD_REQUEST, "invalid_target", "The audience is not allowed for this client"));
        }
        String scope = String.join(" ", scopes);
        String target = audience;
        return issuer.forClient(client.clientId(), audience, scope, client.tokenLifetime(), boundTo).map(token -> {
            metrics.clientToken("success");
            log.atInfo().addKeyValue("event", "client_token").addKeyValue("client", client.clientId())
                    .addKeyValue("aud", target).addKeyValue("jti", token.jti()).log("Client token issued");
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("access_token", token.value());
            body.put("token_type", token.tokenType());
            body.put("expires_in", token.expiresInSeconds(clock.instant()));
            body.put("scope", scope);
            return ResponseEntity.ok().cacheControl(CacheControl.noStore()).header("Pragma", "no-cache").body(body);
        });
    }

    private ApiException limited(java.time.Duration wait, String limit) {
        metrics.clientToken("rate_limited");
        log.atInfo().addKeyValue("event", "client_token").addKeyValue("outcome", "rate_limited")
                .addKeyValue("limit", limit).log("Client token refused");
        return ApiException.rateLimited(wait);
    }

    private ApiException invalidClient() {
        metrics.clientToken("invalid_client");
        return oauth(HttpStatus.UNAUTHORIZED, "invalid_client", "Client authentication failed")
                .header(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"portcullis\"");
    }

    private static ApiException oauth(HttpStatus status, String error, String detail) {
        return ApiException.of(status, status == HttpStatus.UNAUTHORIZED ? ProblemTypes.INVALID_CREDENTIALS
                        : ProblemTypes.INVALID_REQUEST, status.getReasonPhrase(), detail)
                .with("error", error);
    }

    /** One value of a form field; a repeated field is as bad as a missing one (RFC 6749 §3.2). */
    private static String single(MultiValueMap<String, String> form, String name) {
        List<String> values = form.get(name);
        if (values == null || values.isEmpty()) {
            return null;
        }
        if (values.size() > 1) {
            throw oauth(HttpStatus.BAD_REQUEST, "invalid_request", "Parameter " + name + " is repeated");
        }
        return values.getFirst();
    }

    /** client_id and secret from {@code Authorization: Basic}, each form-urlencoded before base64 (RFC 6749 §2.3.1). */
    private static Optional<String[]> basicCredentials(HttpHeaders headers) {
        String authorization = headers.getFirst(HttpHeaders.AUTHORIZATION);
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return Optional.empty();
        }
        try {
            String decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            if (colon <= 0) {
                return Optional.empty();
            }
            String id = URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8);
            String secret = URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8);
            // an id longer than any configured one is refused before it names a lock-out key in Redis
            return id.isEmpty() || id.length() > MAX_CLIENT_ID_LENGTH || secret.isEmpty() ? Optional.empty()
                    : Optional.of(new String[] {id, secret});
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
