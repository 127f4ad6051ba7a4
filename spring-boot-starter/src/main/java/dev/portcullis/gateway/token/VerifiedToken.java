package dev.portcullis.gateway.token;

import dev.portcullis.contract.IdentityHeaders;
import dev.portcullis.contract.RevocationKeys;
import dev.portcullis.contract.TokenClaims;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The identity a verified access token proves. The header values forwarded upstream and the token's revocation keys
 * are built once here, when the token is first verified, so that a cached token costs no string work per request.
 *
 * @param issuer              the id of the trusted issuer that signed it
 * @param tokenId             the token's id ({@code jti}, or the issuer's mapped claim); null when the issuer's
 *                            tokens have none
 * @param issuedAtEpochSecond {@code iat}, compared with the revoke-all instant of the subject
 * @param roles               the roles, in the order the token lists them
 * @param mfa                 whether the issuer vouches for a completed multi-factor authentication ({@code amr}
 *                            or {@code acr}, as that issuer's claim mapping says)
 * @param issuerHeader        {@code x-user-issuer}: the issuer id, or null for the default issuer (whose identity
 *                            headers are as they always were)
 * @param revokedTokenKey     the Redis key that revokes this token, or null when it has no id
 * @param revokedSubjectKey   the Redis key that revokes every token of its subject
 * @param acr                 the authentication context class ({@code acr}), or null when the token has none
 * @param authTime            when the user authenticated ({@code auth_time}), or null when the token does not say
 * @param boundTo             the {@code cnf.jkt} of a DPoP-bound token (RFC 9449): the thumbprint of the key every
 *                            request's proof must be signed with; null for a Bearer token
 */
public record VerifiedToken(
        String issuer,
        String subject,
        @Nullable String tokenId,
        long issuedAtEpochSecond,
        Instant expiresAt,
        Set<String> roles,
        Set<String> permissions,
        Set<String> scopes,
        List<String> authenticationMethods,
        boolean mfa,
        @Nullable String clientId,
        @Nullable String issuerHeader,
        @Nullable String roleHeader,
        String permissionsHeader,
        String scopesHeader,
        String amrHeader,
        @Nullable String revokedTokenKey,
        String revokedSubjectKey,
        @Nullable String acr,
        @Nullable Instant authTime,
        @Nullable String boundTo) {

    /**
     * The id of the default issuer (Portcullis' auth service): its revocation keys carry no namespace. Here, with the
     * type every feature shares, so that none of them depends on the JWT settings for it.
     */
    public static final String DEFAULT_ISSUER_ID = "portcullis";

    /**
     * @param revocationNamespace null for the default issuer, whose revocation keys are not namespaced
     */
    public static VerifiedToken of(String issuer, @Nullable String revocationNamespace, String subject, @Nullable String tokenId,
                                   long issuedAt,
                                   Instant expiresAt, List<String> roles, List<String> permissions, List<String> scopes,
                                   List<String> amr, boolean mfa, @Nullable String clientId) {
        return of(issuer, revocationNamespace, subject, tokenId, issuedAt, expiresAt, roles, permissions, scopes, amr, mfa,
                clientId, null, null);
    }

    /**
     * @param revocationNamespace null for the default issuer, whose revocation keys are not namespaced
     * @param acr                 the {@code acr} claim, or null
     * @param authTime            the {@code auth_time} claim, or null
     */
    public static VerifiedToken of(String issuer, @Nullable String revocationNamespace, String subject, @Nullable String tokenId,
                                   long issuedAt,
                                   Instant expiresAt, List<String> roles, List<String> permissions, List<String> scopes,
                                   List<String> amr, boolean mfa, @Nullable String clientId, @Nullable String acr,
                                   @Nullable Instant authTime) {
        return new VerifiedToken(issuer, subject, tokenId, issuedAt, expiresAt, Set.copyOf(roles), Set.copyOf(permissions),
                Set.copyOf(scopes), List.copyOf(amr), mfa, clientId, revocationNamespace,
                roles.isEmpty() ? null : String.join(IdentityHeaders.LIST_SEPARATOR, roles),
                String.join(IdentityHeaders.LIST_SEPARATOR, permissions), String.join(IdentityHeaders.LIST_SEPARATOR, scopes),
                String.join(IdentityHeaders.LIST_SEPARATOR, amr),
                tokenId == null ? null : RevocationKeys.jtiKey(revocationNamespace, tokenId),
                RevocationKeys.subjectKey(revocationNamespace, subject), acr, authTime, null);
    }

    /** This token, bound to the key with thumbprint {@code jkt} ({@code cnf.jkt}); itself when {@code jkt} is null. */
    public VerifiedToken boundTo(String jkt) {
        return jkt == null ? this : new VerifiedToken(issuer, subject, tokenId, issuedAtEpochSecond, expiresAt, roles,
                permissions, scopes, authenticationMethods, mfa, clientId, issuerHeader, roleHeader, permissionsHeader,
                scopesHeader, amrHeader, revokedTokenKey, revokedSubjectKey, acr, authTime, jkt);
    }

    /** Whether the token is DPoP-bound: every request with it needs a proof of its key. */
    public boolean isBound() {
        return boundTo != null;
    }

    /** A token of the default issuer with Portcullis' own claims (tests and benchmarks). */
    public static VerifiedToken of(String subject, @Nullable String tokenId, long issuedAt, Instant expiresAt,
                                   @Nullable String role, List<String> permissions, List<String> scopes, List<String> amr,
                                   @Nullable String clientId) {
        return of(DEFAULT_ISSUER_ID, null, subject, tokenId, issuedAt, expiresAt,
                role == null ? List.of() : List.of(role), permissions, scopes, amr, amr.contains(TokenClaims.AMR_MFA), clientId);
    }

    /** Whether a multi-factor step-up was completed for this token. */
    public boolean hasMfa() {
        return mfa;
    }
}
