package dev.portcullis.auth.refresh;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.Size;

/** Optional JSON body of {@code /auth/refresh} and {@code /auth/logout} for clients that keep the refresh token. */
public record RefreshRequest(@JsonProperty("refresh_token") @Size(max = 256) String refreshToken) {

    @Override
    public String toString() {
        return "RefreshRequest[***]";
    }
}
