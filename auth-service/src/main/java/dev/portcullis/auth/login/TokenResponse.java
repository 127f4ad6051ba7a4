package dev.portcullis.auth.login;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.portcullis.auth.token.IssuedToken;
import dev.portcullis.auth.user.User;
import java.time.Instant;

/**
 * The body of a login, refresh or MFA answer. {@code refresh_token} is present only for clients that asked for it in
 * the body; browsers get it as a cookie instead.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TokenResponse(
        @JsonProperty("access_token") String accessToken,
        @JsonProperty("token_type") String tokenType,
        @JsonProperty("expires_in") long expiresIn,
        @JsonProperty("scope") String scope,
        @JsonProperty("user") UserView user,
        @JsonProperty("refresh_token") String refreshToken,
        @JsonProperty("refresh_expires_in") Long refreshExpiresIn) {

    public static TokenResponse of(IssuedToken token, Instant now, User user, String refreshToken, Long refreshExpiresIn) {
        return new TokenResponse(token.value(), token.tokenType(), token.expiresInSeconds(now), null,
                user == null ? null : new UserView(user.id(), user.username(), user.role()),
                refreshToken, refreshExpiresIn);
    }

    /** The public face of a user in a token answer. */
    public record UserView(String id, String username, String role) {
    }
}
