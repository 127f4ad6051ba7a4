package dev.portcullis.auth.revocation;

import jakarta.validation.constraints.Size;

/** Optional body of {@code /auth/revoke-all}: an admin may name another user. */
public record RevokeAllRequest(@Size(min = 1, max = 128) String username) {
}
