package dev.portcullis.users.profile;

/**
 * What the user-service itself knows about a user, beyond what the token says.
 *
 * @param id          the user id (the token's {@code sub})
 * @param displayName a name to show
 * @param email       a contact address
 * @param lastRole    the role the user had when last seen, empty when never seen through the gateway
 */
public record UserProfile(String id, String displayName, String email, String lastRole) {

    UserProfile withRole(String role) {
        return new UserProfile(id, displayName, email, role);
    }
}
