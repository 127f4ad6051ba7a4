package dev.portcullis.auth.login;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

/**
 * {@code POST /auth/login} body. {@code refresh_token_in_body: true} is how a non-browser client (mobile app, CLI)
 * opts out of the cookie: its refresh token then travels in JSON bodies.
 */
public record LoginRequest(
        @NotBlank @Size(max = 128) String username,
        @NotBlank @Size(max = 1024) String password,
        @JsonProperty("refresh_token_in_body") Boolean refreshTokenInBody) {

    boolean wantsRefreshTokenInBody() {
        return Boolean.TRUE.equals(refreshTokenInBody);
    }

    @Override
    public String toString() {
        return "LoginRequest[username=" + username + "]";
    }
}
