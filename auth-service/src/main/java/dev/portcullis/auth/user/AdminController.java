package dev.portcullis.auth.user;

import com.nimbusds.jose.jwk.JWK;
import dev.portcullis.auth.config.SecureRandoms;
import dev.portcullis.auth.keys.KeyManager;
import dev.portcullis.auth.token.BearerAuthenticator;
import dev.portcullis.auth.web.ApiException;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The admin API (Bearer token with {@code role: admin} and {@code mfa} in {@code amr}): create and read users, start a
 * signing-key rotation, pull a leaked signing key.
 * Password hashes never leave the service.
 */
@RestController
final class AdminController {

    private static final Logger log = LoggerFactory.getLogger(AdminController.class);
    /** What a kid may look like in a path: generated kids are base64url; operator-provided ones may add '.'. */
    private static final java.util.regex.Pattern KID = java.util.regex.Pattern.compile("^[A-Za-z0-9._-]{1,128}$");

    private final BearerAuthenticator authenticator;
    private final UserRepository users;
    private final PasswordHasher hasher;
    private final KeyManager keys;

    AdminController(BearerAuthenticator authenticator, UserRepository users, PasswordHasher hasher, KeyManager keys) {
        this.authenticator = authenticator;
        this.users = users;
        this.hasher = hasher;
        this.keys = keys;
    }

    @PostMapping(path = "/auth/admin/users", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    Mono<ResponseEntity<Map<String, Object>>> create(@Valid @RequestBody NewUser request, ServerWebExchange exchange) {
        return authenticator.authenticateAdmin(exchange.getRequest()).flatMap(admin -> {
            String username = Usernames.normalize(request.username());
            if (!Usernames.ALLOWED.matcher(username).matches()) {
                return Mono.error(ApiException.badRequest(
                        "username must be 1-64 characters of a-z, 0-9, '.', '_', '@', '-', starting with a letter or digit"));
            }
            if (!PasswordHasher.fitsBcrypt(request.password())) {
                return Mono.error(ApiException.badRequest("password must be at most " + PasswordHasher.MAX_BYTES + " bytes"));
            }
            return hasher.hash(request.password())
                    .map(hash -> new User(SecureRandoms.uuid().toString(), username, request.role(),
                            request.permissions() == null ? List.of() : request.permissions(), hash))
                    .flatMap(user -> users.createIfAbsent(user).flatMap(created -> {
                        if (!created) {
                            return Mono.error(ApiException.conflict("A user with this username exists"));
                        }
                        log.atInfo().addKeyValue("event", "user_created").addKeyValue("username", username)
                                .addKeyValue("by", admin.subject()).log("User created");
                        return Mono.just(ResponseEntity.created(URI.create("/auth/admin/users/" + username))
                                .body(view(user)));
                    }));
        });
    }

    @GetMapping(path = "/auth/admin/users/{username}", produces = MediaType.APPLICATION_JSON_VALUE)
    Mono<Map<String, Object>> read(@PathVariable String username, ServerWebExchange exchange) {
        return authenticator.authenticateAdmin(exchange.getRequest())
                .then(users.find(Usernames.normalize(username)))
                .map(AdminController::view)
                .switchIfEmpty(Mono.error(() -> ApiException.notFound("No such user")));
    }

    @PostMapping(path = "/auth/admin/keys/rotate", produces = MediaType.APPLICATION_JSON_VALUE)
    Mono<ResponseEntity<Map<String, Object>>> rotate(ServerWebExchange exchange) {
        return authenticator.authenticateAdmin(exchange.getRequest())
                .flatMap(admin -> Mono.fromCallable(keys::rotate).subscribeOn(Schedulers.boundedElastic()))
                .map(rotation -> {
                    Map<String, Object> body = new LinkedHashMap<>();
                    body.put("kid", rotation.kid());
                    body.put("activates_at", rotation.activatesAt().toString());
                    body.put("previous_keys_retire_at", rotation.previousRetiresAt().toString());
                    return ResponseEntity.status(HttpStatus.ACCEPTED).body(body);
                })
                .onErrorMap(KeyManager.RotationPendingException.class, e -> ApiException.conflict(
                        "Key " + e.kid() + " is already published and activates at " + e.activatesAt()))
                .onErrorMap(java.io.UncheckedIOException.class, AdminController::keyFileUnwritable);
    }

    /**
     * The key file cannot be changed here (a read-only Secret, a full disk): nothing was changed, and the operator has
     * to change the key Secret by hand. A 503, not a 500: the request was fine, the service cannot carry it out now.
     */
    private static ApiException keyFileUnwritable(java.io.UncheckedIOException e) {
        log.atError().addKeyValue("event", "signing_key_file_unwritable").log("Signing-key file cannot be changed");
        return ApiException.unavailable("The signing-key file cannot be changed by this service; change the key "
                + "Secret by hand (auth-service README, \"Revoking a leaked key\")");
    }

    /**
     * Pulls a signing key at once, for a key that leaked: unlike a rotation there is no publish-ahead, since every
     * minute of it would be a minute the leaked key still verifies. The answer lists what this replica publishes now;
     * other replicas follow at their next reload of the key file.
     */
    @PostMapping(path = "/auth/admin/keys/{kid}/revoke", produces = MediaType.APPLICATION_JSON_VALUE)
    Mono<Map<String, Object>> revokeKey(@PathVariable String kid, ServerWebExchange exchange) {
        return authenticator.authenticateAdmin(exchange.getRequest()).flatMap(admin -> {
            if (!KID.matcher(kid).matches()) {
                return Mono.error(ApiException.badRequest("kid must be 1-128 characters of A-Z, a-z, 0-9, '.', '_', '-'"));
            }
            // file IO and perhaps RSA key generation: off the event loop, under the lock rotate() takes
            return Mono.fromCallable(() -> keys.revoke(kid)).subscribeOn(Schedulers.boundedElastic())
                    .map(revocation -> {
                        String signing = keys.signingKey().getKeyID();
                        List<String> published = keys.publicJwks().getKeys().stream()
                                .map(JWK::getKeyID).toList();
                        // kids only: never key material
                        log.atWarn().addKeyValue("event", "signing_key_revoked").addKeyValue("kid", revocation.kid())
                                .addKeyValue("by", admin.subject())
                                .addKeyValue("newSigningKid", revocation.replacementKid())
                                .addKeyValue("published", published).log("Signing key revoked");
                        Map<String, Object> body = new LinkedHashMap<>();
                        body.put("revoked_kid", revocation.kid());
                        if (revocation.replacementKid() != null) {
                            body.put("new_signing_kid", revocation.replacementKid());
                        }
                        body.put("signing_kid", signing);
                        body.put("published_kids", published);
                        body.put("other_replicas_reload_within", keys.reloadInterval().toString());
                        return body;
                    })
                    .onErrorMap(KeyManager.UnknownKeyException.class,
                            e -> ApiException.notFound("No signing key with this kid"))
                    .onErrorMap(java.io.UncheckedIOException.class, AdminController::keyFileUnwritable);
        });
    }

    private static Map<String, Object> view(User user) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", user.id());
        body.put("username", user.username());
        body.put("role", user.role());
        body.put("permissions", user.permissions());
        return body;
    }

    /** Body of {@code POST /auth/admin/users}. */
    record NewUser(
            @NotBlank @Size(max = 64) String username,
            @NotBlank @Size(min = 12, max = 128) String password,
            @NotBlank @Pattern(regexp = "^[a-z][a-z0-9_-]{0,31}$") String role,
            @NotNull @Size(max = 64) List<@NotBlank @Pattern(regexp = "^[a-z0-9_.-]+:[a-z0-9_.*-]+$") String> permissions) {
        @Override
        public String toString() {
            return "NewUser[username=" + username + "]";
        }
    }
}
