package dev.portcullis.auth.user;

import dev.portcullis.auth.config.AuthProperties;
import dev.portcullis.auth.config.SecureRandoms;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;
import org.springframework.stereotype.Component;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Creates the users listed in {@code portcullis.auth.users.bootstrap-file} when they do not exist yet (an existing
 * account, possibly changed through the admin API, is left alone). The file holds BCrypt hashes only:
 * <pre>
 * users:
 *   - id: u-alice            # optional; a random UUID otherwise
 *     username: alice
 *     password-hash: $2a$12$...
 *     role: user
 *     permissions: [orders:read]
 * </pre>
 * Runs once at start-up, before the server accepts requests; a malformed file stops the start-up.
 */
@Component
public final class UserBootstrap implements SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(UserBootstrap.class);

    private final List<User> users;
    private final UserRepository repository;

    UserBootstrap(AuthProperties properties, ResourceLoader resources, UserRepository repository) {
        this.repository = repository;
        String location = properties.users().bootstrapFile();
        this.users = location == null ? List.of() : parse(location, resources.getResource(location));
    }

    @Override
    public void afterSingletonsInstantiated() {
        // On the main thread during start-up, before the server takes requests: it must not serve before its users exist.
        seed().block();
    }

    /** Creates the missing bootstrap users. */
    public Mono<Void> seed() {
        return Flux.fromIterable(users)
                .concatMap(user -> repository.createIfAbsent(user).doOnNext(created -> {
                    if (created) {
                        log.atInfo().addKeyValue("username", user.username()).log("Created bootstrap user");
                    }
                }))
                .then();
    }

    @SuppressWarnings("unchecked")
    static List<User> parse(String location, Resource resource) {
        String key = "portcullis.auth.users.bootstrap-file";
        if (!resource.exists()) {
            throw new IllegalStateException(key + ": " + location + " does not exist");
        }
        Object root;
        try (InputStream in = resource.getInputStream()) {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(key + ": cannot read " + location, e);
        }
        if (!(root instanceof Map<?, ?> map) || !(map.get("users") instanceof List<?> entries)) {
            throw new IllegalStateException(key + ": " + location + " must have a top-level 'users' list");
        }
        List<User> result = new ArrayList<>();
        for (Object entry : entries) {
            if (!(entry instanceof Map<?, ?> raw)) {
                throw new IllegalStateException(key + ": every entry of 'users' must be a map");
            }
            Map<String, Object> fields = (Map<String, Object>) raw;
            String username = Usernames.normalize(required(fields, "username", key));
            if (!Usernames.ALLOWED.matcher(username).matches()) {
                throw new IllegalStateException(key + ": invalid username '" + username + "'");
            }
            String hash = required(fields, "password-hash", key);
            if (!hash.matches("^\\$2[aby]?\\$\\d\\d\\$.{53}$")) {
                throw new IllegalStateException(key + ": password-hash of " + username + " must be a BCrypt hash");
            }
            Object id = fields.get("id");
            Object role = fields.getOrDefault("role", "user");
            Object permissions = fields.getOrDefault("permissions", List.of());
            if (!(permissions instanceof List<?> list)) {
                throw new IllegalStateException(key + ": permissions of " + username + " must be a list");
            }
            result.add(new User(id == null ? SecureRandoms.uuid().toString() : id.toString(), username, role.toString(),
                    list.stream().map(Object::toString).toList(), hash));
        }
        return List.copyOf(result);
    }

    private static String required(Map<String, Object> fields, String name, String key) {
        Object value = fields.get(name);
        if (value == null || value.toString().isBlank()) {
            throw new IllegalStateException(key + ": every user needs '" + name + "'");
        }
        return value.toString();
    }
}
