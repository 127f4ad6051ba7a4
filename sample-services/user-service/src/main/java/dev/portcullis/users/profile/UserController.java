package dev.portcullis.users.profile;

import dev.portcullis.servicesupport.identity.Identity;
import dev.portcullis.servicesupport.problem.Problems;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/** {@code /users}: the caller's own profile, and any profile for admins. */
@RestController
@RequestMapping("/users")
final class UserController {

    static final String ADMIN_ROLE = "admin";

    private final ProfileStore store;

    UserController(ProfileStore store) {
        this.store = store;
    }

    /** The caller's profile: what the gateway vouched for (role, permissions, amr) merged with the stored profile. */
    @GetMapping("/me")
    Mono<MyProfile> me(Identity caller) {
        UserProfile stored = store.remember(caller);
        return Mono.just(new MyProfile(caller.userId(), stored.displayName(), stored.email(), caller.role(),
                sorted(caller.permissions()), sorted(caller.scopes()), sorted(caller.authMethods()),
                caller.hasAuthMethod("mfa"), caller.requestId().orElse(null), caller.issuer().orElse(null)));
    }

    /** Any of Portcullis' own users' stored profile; admins only (403 otherwise), 404 for an id the service has never seen. */
    @GetMapping("/{id}")
    Mono<UserProfile> byId(Identity caller, @PathVariable String id) {
        caller.requireRole(ADMIN_ROLE);
        return Mono.justOrEmpty(store.find(id))
                .switchIfEmpty(Mono.error(() -> Problems.notFound("No user with id '" + id + "'.")));
    }

    private static List<String> sorted(java.util.Set<String> values) {
        return values.stream().sorted().toList();
    }

    /** The answer of {@code GET /users/me}. */
    record MyProfile(String id, String displayName, String email, String role, List<String> permissions,
            List<String> scopes, List<String> authMethods, boolean mfa, String requestId, String issuer) {
    }
}
