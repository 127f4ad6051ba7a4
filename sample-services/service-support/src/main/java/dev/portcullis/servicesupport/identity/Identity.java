package dev.portcullis.servicesupport.identity;

import dev.portcullis.servicesupport.problem.Problems;
import java.util.Optional;
import java.util.Set;

/**
 * Who is calling, as the gateway vouched for it in the {@code x-user-*} headers after verifying the access token.
 * A service behind Portcullis never parses the user's token itself; it believes these headers only under the gateway's
 * signature made with the key this service alone shares with the gateway ({@link GatewayIdentityVerifier}), so neither
 * a client (the gateway strips what clients send) nor another service on the network can make them up.
 *
 * @param userId         the token's {@code sub}
 * @param role           the token's {@code role}, empty when the gateway sent none
 * @param permissions    the token's {@code permissions}, such as {@code orders:write}
 * @param scopes         the token's scopes
 * @param authMethods    the token's {@code amr}; contains {@code mfa} after a TOTP step-up
 * @param requestId      the gateway's {@code x-request-id}, for correlating logs
 * @param issuer         the id of the trusted issuer of the token ({@code x-user-issuer}); empty for Portcullis' own
 *                       auth service. Two issuers may both have a user {@code alice}: key users by both
 */
public record Identity(
        String userId,
        String role,
        Set<String> permissions,
        Set<String> scopes,
        Set<String> authMethods,
        Optional<String> requestId,
        Optional<String> issuer) {

    public Identity {
        if (userId == null || userId.isBlank()) {
            throw new IllegalArgumentException("userId must not be blank");
        }
        role = role == null ? "" : role;
        permissions = Set.copyOf(permissions);
        scopes = Set.copyOf(scopes);
        authMethods = Set.copyOf(authMethods);
        requestId = requestId == null ? Optional.empty() : requestId;
        issuer = issuer == null ? Optional.empty() : issuer;
    }

    public boolean hasPermission(String permission) {
        return permissions.contains(permission);
    }

    public boolean hasRole(String expected) {
        return role.equals(expected);
    }

    public boolean hasAuthMethod(String method) {
        return authMethods.contains(method);
    }

    /** Fails with a 403 problem naming the permission when the caller lacks it. */
    public Identity requirePermission(String permission) {
        if (!hasPermission(permission)) {
            throw Problems.forbidden("This operation requires the permission '" + permission + "'.");
        }
        return this;
    }

    /** Fails with a 403 problem naming the role when the caller does not have it. */
    public Identity requireRole(String expected) {
        if (!hasRole(expected)) {
            throw Problems.forbidden("This operation requires the role '" + expected + "'.");
        }
        return this;
    }
}
