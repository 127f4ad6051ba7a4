package dev.portcullis.auth.user;

import java.util.List;

/**
 * A user account as stored in Redis.
 *
 * @param id           stable id, the {@code sub} of the user's tokens
 * @param username     login name, stored lower-case
 * @param role         e.g. {@code user} or {@code admin}
 * @param permissions  e.g. {@code orders:read}
 * @param passwordHash BCrypt hash; never logged, never returned
 */
public record User(String id, String username, String role, List<String> permissions, String passwordHash) {

    public User {
        permissions = List.copyOf(permissions);
    }

    @Override
    public String toString() {
        return "User[id=" + id + ", username=" + username + ", role=" + role + "]";
    }
}
