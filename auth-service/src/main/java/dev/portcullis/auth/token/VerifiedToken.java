package dev.portcullis.auth.token;

import dev.portcullis.contract.TokenClaims;
import java.time.Instant;
import java.util.List;

/**
 * An access token this service issued, whose signature, claims and revocation state were checked.
 *
 * @param boundTo the {@code cnf.jkt} of a DPoP-bound token (RFC 9449), or null for a Bearer token
 */
public record VerifiedToken(String jti, String subject, String username, String role, List<String> permissions,
                            List<String> amr, String clientId, Instant issuedAt, Instant expiresAt, String boundTo) {

    public VerifiedToken {
        permissions = permissions == null ? List.of() : List.copyOf(permissions);
        amr = amr == null ? List.of() : List.copyOf(amr);
    }

    public boolean isAdmin() {
        return "admin".equals(role);
    }

    /** Whether a TOTP step-up stands behind this token. */
    public boolean hasMfa() {
        return amr.contains(TokenClaims.AMR_MFA);
    }

    /** Whether the token is DPoP-bound: it must then come with the {@code DPoP} scheme and a proof of its key. */
    public boolean isBound() {
        return boundTo != null;
    }

    /** A user token (as opposed to a client-credentials one) carries a username. */
    public boolean isUserToken() {
        return username != null;
    }
}
