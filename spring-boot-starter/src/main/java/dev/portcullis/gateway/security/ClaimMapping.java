package dev.portcullis.gateway.security;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.portcullis.contract.TokenClaims;
import dev.portcullis.dpop.DpopBinding;
import dev.portcullis.gateway.token.VerifiedToken;
import dev.portcullis.gateway.web.Rejection;
import dev.portcullis.gateway.web.RejectionReason;
import java.text.ParseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the identity out of one issuer's verified claims, wherever that issuer puts it
 * ({@code portcullis.jwt.issuers.<id>.claims}): Keycloak's {@code realm_access.roles}, Entra ID's {@code scp},
 * Auth0's namespaced role claim. Every value that becomes a request header upstream must be short and printable, and
 * list entries must not contain the separator: a signed token is still not allowed to smuggle a header line or a
 * forged list entry to the services. A value of the wrong JSON type is refused, never guessed at. The RFC 9470
 * step-up claims are the standard {@code acr} (a string) and {@code auth_time} (a number) of every issuer.
 */
final class ClaimMapping {

    static final int MAX_VALUE_LENGTH = 256;
    static final int MAX_LIST_ENTRIES = 256;

    private final String issuerId;
    private final String revocationNamespace;
    private final JwtProperties.Claims claims;
    private final String[] subject;
    private final String[] tokenId;
    private final String[] clientId;
    private final List<String[]> roles;
    private final List<String[]> permissions;
    private final List<String[]> scopes;

    ClaimMapping(String issuerId, JwtProperties.Claims claims) {
        this.issuerId = issuerId;
        this.revocationNamespace = JwtProperties.DEFAULT_ISSUER_ID.equals(issuerId) ? null : issuerId;
        this.claims = claims;
        this.subject = path(claims.subject());
        this.tokenId = claims.tokenId().isEmpty() ? null : path(claims.tokenId());
        this.clientId = claims.clientId() == null || claims.clientId().isEmpty() ? null : path(claims.clientId());
        this.roles = claims.roles().stream().map(ClaimMapping::path).toList();
        this.permissions = claims.permissions().stream().map(ClaimMapping::path).toList();
        this.scopes = claims.scopes().stream().map(ClaimMapping::path).toList();
    }

    /** The whole name first (Auth0's {@code https://example.com/roles} has dots of its own), then its parts. */
    private static String[] path(String dotted) {
        String[] parts = dotted.split("\\.");
        String[] path = new String[parts.length + 1];
        path[0] = dotted;
        System.arraycopy(parts, 0, path, 1, parts.length);
        return path;
    }

    /** @return the identity, or why the claims do not carry a usable one */
    Verification map(JWTClaimsSet set) {
        Map<String, Object> all = set.getClaims();
        Object sub = resolve(all, subject);
        if (sub == null) {
            return missing(claims.subject());
        }
        if (!(sub instanceof String subjectValue) || !isSafeValue(subjectValue)) {
            return unsafe(claims.subject());
        }
        String jti = null;
        if (tokenId != null) {
            Object value = resolve(all, tokenId);
            if (value == null) {
                return missing(claims.tokenId());
            }
            if (!(value instanceof String text) || !isSafeValue(text)) {
                return unsafe(claims.tokenId());
            }
            jti = text;
        }
        String client = null;
        if (clientId != null) {
            Object value = resolve(all, clientId);
            if (value != null) {
                if (!(value instanceof String text) || !isSafeValue(text)) {
                    return unsafe(claims.clientId());
                }
                client = text;
            }
        }
        List<String> roleValues = new ArrayList<>();
        List<String> permissionValues = new ArrayList<>();
        List<String> scopeValues = new ArrayList<>();
        List<String> amr = new ArrayList<>();
        String failed = collect(all, roles, claims.roles(), claims.rolePrefix(), roleValues);
        if (failed == null) {
            failed = collect(all, permissions, claims.permissions(), claims.permissionPrefix(), permissionValues);
        }
        if (failed == null) {
            failed = collect(all, scopes, claims.scopes(), "", scopeValues);
        }
        if (failed == null) {
            failed = collect(all, List.<String[]>of(new String[] {TokenClaims.AUTH_METHODS, TokenClaims.AUTH_METHODS}),
                    List.of(TokenClaims.AUTH_METHODS), "", amr);
        }
        if (failed != null) {
            return unsafe(failed);
        }
        Object acr = all.get(TokenClaims.AUTH_CONTEXT);
        if (acr != null && !(acr instanceof String)) {
            return unsafe(TokenClaims.AUTH_CONTEXT);
        }
        Object authTimeValue = all.get(TokenClaims.AUTH_TIME);
        if (authTimeValue != null && !(authTimeValue instanceof Number)) {
            return unsafe(TokenClaims.AUTH_TIME);
        }
        Instant authTime = authTimeValue == null ? null : Instant.ofEpochSecond(((Number) authTimeValue).longValue());
        boolean mfa = amr.stream().anyMatch(claims.mfaAmr()::contains)
                || (acr instanceof String acrValue && claims.mfaAcr().contains(acrValue));
        long issuedAt;
        try {
            issuedAt = set.getDateClaim(TokenClaims.ISSUED_AT).toInstant().getEpochSecond();
        } catch (ParseException | NullPointerException e) {
            return new Verification.Rejected(Rejection.of(RejectionReason.MALFORMED, "A registered claim has the wrong type"));
        }
        String boundTo;
        try {
            boundTo = DpopBinding.thumbprint(all);
        } catch (IllegalArgumentException e) {
            // a cnf the gateway cannot read must not make a bound token pass as a Bearer one
            return new Verification.Rejected(Rejection.of(RejectionReason.MALFORMED, "The cnf claim is not a DPoP key binding"));
        }
        return new Verification.Verified(VerifiedToken.of(issuerId, revocationNamespace, subjectValue, jti, issuedAt,
                set.getExpirationTime().toInstant(), roleValues, permissionValues, scopeValues, amr, mfa, client, (String) acr, authTime)
                .boundTo(boundTo));
    }

    /**
     * Adds the values found at each path, prefix stripped, without duplicates.
     *
     * @return the path of a value that is not a safe string or list of them, else null
     */
    private static String collect(Map<String, Object> all, List<String[]> paths, List<String> names, String prefix,
                                  List<String> out) {
        Set<String> seen = new LinkedHashSet<>(out);
        for (int p = 0; p < paths.size(); p++) {
            Object value = resolve(all, paths.get(p));
            if (value == null) {
                continue;
            }
            List<?> values;
            if (value instanceof String text) {
                values = text.isBlank() ? List.of() : List.of(text.trim().split(" +"));
            } else if (value instanceof List<?> list) {
                values = list;
            } else {
                return names.get(p);
            }
            if (values.size() > MAX_LIST_ENTRIES) {
                return names.get(p);
            }
            for (Object entry : values) {
                if (!(entry instanceof String text)) {
                    return names.get(p);
                }
                String stripped = !prefix.isEmpty() && text.startsWith(prefix) && text.length() > prefix.length()
                        ? text.substring(prefix.length()) : text;
                if (!isSafeValue(stripped)) {
                    return names.get(p);
                }
                seen.add(stripped);
            }
        }
        if (seen.size() > MAX_LIST_ENTRIES) {
            return names.getFirst();
        }
        out.clear();
        out.addAll(seen);
        return null;
    }

    /**
     * The claim named by the whole path if there is one, else the value at the dotted path through nested JSON
     * objects; null when any step is absent or not an object.
     */
    private static Object resolve(Map<String, Object> claims, String[] path) {
        Object whole = claims.get(path[0]);
        if (whole != null || path.length == 2) {
            return whole;
        }
        Object current = claims.get(path[1]);
        for (int i = 2; i < path.length && current != null; i++) {
            current = current instanceof Map<?, ?> object ? object.get(path[i]) : null;
        }
        return current;
    }

    /** Printable ASCII without space, comma, quote or backslash; non-empty and bounded. */
    static boolean isSafeValue(String value) {
        int length = value.length();
        if (length == 0 || length > MAX_VALUE_LENGTH) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            if (c <= 0x20 || c >= 0x7f || c == ',' || c == '"' || c == '\\') {
                return false;
            }
        }
        return true;
    }

    /** Revocation keys of this issuer's tokens (namespaced unless it is the default issuer). */
    String revocationNamespace() {
        return revocationNamespace;
    }

    private static Verification missing(String claim) {
        return new Verification.Rejected(Rejection.of(RejectionReason.MISSING_CLAIM, "The token has no '" + claim + "' claim"));
    }

    private static Verification unsafe(String claim) {
        return new Verification.Rejected(Rejection.of(RejectionReason.UNSAFE_CLAIM,
                "The '" + claim + "' claim is not in a safe format"));
    }
}
