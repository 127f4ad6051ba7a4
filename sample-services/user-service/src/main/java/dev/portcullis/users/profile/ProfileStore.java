package dev.portcullis.users.profile;

import dev.portcullis.servicesupport.identity.Identity;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.springframework.stereotype.Component;

/**
 * The in-memory profile store: seeded from configuration, and it learns a user the first time that user calls
 * {@code /users/me}, so an admin can look up everyone who has used the system. Lost on restart, by design: this is a
 * sample. Profiles are keyed by issuer and user id: a Keycloak user {@code alice} and a Portcullis user {@code alice}
 * are two people.
 */
@Component
public final class ProfileStore {

    /** A user of one issuer; {@code issuer} is empty for Portcullis' own auth service. */
    private record Key(String issuer, String id) {
    }

    private final ConcurrentMap<Key, UserProfile> profiles = new ConcurrentHashMap<>();

    ProfileStore(UserServiceProperties properties) {
        properties.seed().forEach(seed -> profiles.put(new Key("", seed.id()),
                new UserProfile(seed.id(), seed.displayName(), seed.email() == null ? "" : seed.email(), "")));
    }

    /** One of Portcullis' own users. */
    public Optional<UserProfile> find(String id) {
        return Optional.ofNullable(profiles.get(new Key("", id)));
    }

    /** The caller's stored profile, created from the identity on first sight, with the role it has now. */
    public UserProfile remember(Identity caller) {
        return profiles.compute(new Key(caller.issuer().orElse(""), caller.userId()), (key, existing) -> existing == null
                ? new UserProfile(key.id(), key.id(), "", caller.role())
                : existing.withRole(caller.role()));
    }
}
