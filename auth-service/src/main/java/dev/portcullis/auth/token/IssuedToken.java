package dev.portcullis.auth.token;

import dev.portcullis.contract.TokenClaims;
import java.time.Instant;

/**
 * A signed access token and the facts a response needs about it.
 *
 * @param boundTo the {@code cnf.jkt} of a DPoP-bound token, or null for a Bearer token
 */
public record IssuedToken(String value, String jti, Instant issuedAt, Instant expiresAt, String scope, String boundTo) {

    /** {@code token_type} of a token response: {@code DPoP} for a bound token (RFC 9449 section 5), else {@code Bearer}. */
    public String tokenType() {
        return boundTo == null ? "Bearer" : TokenClaims.TOKEN_TYPE_DPOP;
    }

    /** Seconds from now until {@code exp}, for {@code expires_in}. */
    public long expiresInSeconds(Instant now) {
        return Math.max(0, expiresAt.getEpochSecond() - now.getEpochSecond());
    }

    @Override
    public String toString() {
        return "IssuedToken[jti=" + jti + ", exp=" + expiresAt + "]";
    }
}
