package dev.portcullis.auth.token;

import java.time.Instant;

/** A signed access token and the facts a response needs about it. */
public record IssuedToken(String value, String jti, Instant issuedAt, Instant expiresAt, String scope) {

    /** Seconds from now until {@code exp}, for {@code expires_in}. */
    public long expiresInSeconds(Instant now) {
        return Math.max(0, expiresAt.getEpochSecond() - now.getEpochSecond());
    }

    @Override
    public String toString() {
        return "IssuedToken[jti=" + jti + ", exp=" + expiresAt + "]";
    }
}
