package dev.portcullis.gateway.policy;

import dev.portcullis.gateway.token.VerifiedToken;
import dev.portcullis.gateway.web.Rejection;
import dev.portcullis.gateway.web.RejectionReason;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpMethod;

/**
 * Who may call a route with the given methods. A public rule lets anyone through (and forwards no identity); any
 * other rule needs a verified token and then every listed requirement: one of the roles, all of {@code permissions},
 * at least one of {@code anyPermissions}, all of {@code scopes}, a completed MFA step-up if {@code mfa}, and the
 * RFC 9470 step-up requirements: an authentication context class among {@code acr} and an authentication no older
 * than {@code maxAge}.
 *
 * <p>The order matters to the client: what stepping up cannot fix (roles, permissions, scopes: 403) is answered
 * before what it can (MFA, {@code acr}, {@code max-age}), so a client is never sent to re-authenticate for nothing.
 *
 * @param methods the methods this rule is for; empty means every method
 * @param acr     the accepted {@code acr} values; empty: any, or none
 * @param maxAge  the longest time since the user authenticated ({@code auth_time}), or null for no limit; not widened
 *                by the clock skew, as {@code auth_time} is the issuer's own record of a past instant
 */
public record AccessRule(
        Set<HttpMethod> methods,
        boolean publicAccess,
        Set<String> roles,
        Set<String> permissions,
        Set<String> anyPermissions,
        Set<String> scopes,
        boolean mfa,
        Set<String> acr,
        Duration maxAge) {

    /** The default of every route: a valid token, nothing more. */
    public static final AccessRule AUTHENTICATED = new AccessRule(Set.of(), false, Set.of(), Set.of(), Set.of(), Set.of(), false);

    /** A rule without step-up requirements. */
    public AccessRule(Set<HttpMethod> methods, boolean publicAccess, Set<String> roles, Set<String> permissions,
                      Set<String> anyPermissions, Set<String> scopes, boolean mfa) {
        this(methods, publicAccess, roles, permissions, anyPermissions, scopes, mfa, Set.of(), null);
    }

    public boolean appliesTo(HttpMethod method) {
        return methods.isEmpty() || methods.contains(method);
    }

    /** {@link #check(VerifiedToken, Instant)} at the current instant of the system clock. */
    public @Nullable Rejection check(VerifiedToken token) {
        return check(token, Instant.now());
    }

    /** @return null when the token satisfies the rule at {@code now}, else the 403 or 401 step-up to answer with */
    public @Nullable Rejection check(VerifiedToken token, Instant now) {
        if (!roles.isEmpty() && roles.stream().noneMatch(token.roles()::contains)) {
            return Rejection.of(RejectionReason.INSUFFICIENT_PERMISSIONS, "This route requires one of the roles " + sorted(roles));
        }
        if (!token.permissions().containsAll(permissions)) {
            return Rejection.of(RejectionReason.INSUFFICIENT_PERMISSIONS, "This route requires the permissions " + sorted(permissions));
        }
        if (!anyPermissions.isEmpty() && anyPermissions.stream().noneMatch(token.permissions()::contains)) {
            return Rejection.of(RejectionReason.INSUFFICIENT_PERMISSIONS,
                    "This route requires one of the permissions " + sorted(anyPermissions));
        }
        if (!token.scopes().containsAll(scopes)) {
            return Rejection.of(RejectionReason.INSUFFICIENT_PERMISSIONS, "This route requires the scopes " + sorted(scopes));
        }
        if (mfa && !token.hasMfa()) {
            return Rejection.of(RejectionReason.MFA_REQUIRED,
                    "This route requires a completed MFA step-up (POST /auth/mfa/verify)");
        }
        return stepUp(token, now);
    }

    /** RFC 9470: the authentication event itself is not good enough for this rule; the client may step up. */
    private Rejection stepUp(VerifiedToken token, Instant now) {
        boolean acrMet = acr.isEmpty() || (token.acr() != null && acr.contains(token.acr()));
        String ageProblem = null;
        if (maxAge != null) {
            if (token.authTime() == null) {
                ageProblem = "the token does not say when the user authenticated";
            } else if (Duration.between(token.authTime(), now).compareTo(maxAge) > 0) {
                ageProblem = "the user authenticated more than " + maxAge.toSeconds() + " s ago";
            }
        }
        if (acrMet && ageProblem == null) {
            return null;
        }
        String detail = !acrMet
                ? "This route requires an authentication context of " + sorted(acr) + "; step up (POST /auth/mfa/verify)"
                : "This route requires an authentication within the last " + maxAge.toSeconds() + " s: " + ageProblem
                        + "; authenticate again";
        return Rejection.stepUp(detail, acr.stream().sorted().toList(), maxAge);
    }

    private static String sorted(Set<String> values) {
        return values.stream().sorted().toList().toString();
    }
}
