package dev.portcullis.gateway.security;

import dev.portcullis.contract.IdentityHeaders;
import dev.portcullis.contract.TokenClaims;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * The identity a verified access token proves. The header values forwarded upstream are joined once here, when the
 * token is first verified, so that a cached token costs no string work per request.
 *
 * @param issuedAtEpochSecond {@code iat}, compared with the revoke-all instant of the subject
 */
public record VerifiedToken(
        String subject,
        String tokenId,
        long issuedAtEpochSecond,
        Instant expiresAt,
        String role,
        Set<String> permissions,
        Set<String> scopes,
        List<String> authenticationMethods,
        String clientId,
        String permissionsHeader,
        String scopesHeader,
        String amrHeader) {

    public static VerifiedToken of(String subject, String tokenId, long issuedAt, Instant expiresAt, String role,
                                   List<String> permissions, List<String> scopes, List<String> amr, String clientId) {
        return new VerifiedToken(subject, tokenId, issuedAt, expiresAt, role, Set.copyOf(permissions), Set.copyOf(scopes),
                List.copyOf(amr), clientId, String.join(IdentityHeaders.LIST_SEPARATOR, permissions),
                String.join(IdentityHeaders.LIST_SEPARATOR, scopes), String.join(IdentityHeaders.LIST_SEPARATOR, amr));
    }

    /** Whether a TOTP step-up was completed for this token ({@code amr} contains {@code mfa}). */
    public boolean hasMfa() {
        return authenticationMethods.contains(TokenClaims.AMR_MFA);
    }
}
