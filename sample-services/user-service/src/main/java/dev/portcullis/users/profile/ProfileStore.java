package dev.portcullis.users.profile;

import dev.portcullis.servicesupport.identity.Identity;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.springframework.stereotype.Component;

/**
 * The in-memory profile store: seeded from configuration, and it learns a user the first time that user calls
 * {@code /users/me}, so an admin can look up everyone who has used the system. Lost on restart, by design: this is a
 * sample.
 */
@Component
public final class ProfileStore {

    private final ConcurrentMap<String, UserProfile> profiles = new ConcurrentHashMap<>();

    ProfileStore(UserServiceProperties properties) {
        properties.seed().forEach(seed -> profiles.put(seed.id(),
                new UserProfile(seed.id(), seed.displayName(), seed.email() == null ? "" : seed.email(), "")));
    }

    public Optional<UserProfile> find(String id) {
        return Optional.ofNullable(profiles.get(id));
    }

    /** The caller's stored profile, created from the identity on first sight, with the role it has now. */
    public UserProfile remember(Identity caller) {
        return profiles.compute(caller.userId(), (id, existing) -> existing == null
                ? new UserProfile(id, id, "", caller.role())
                : existing.withRole(caller.role()));
    }
}
