package dev.portcullis.gateway.policy;

import dev.portcullis.gateway.security.VerifiedToken;
import dev.portcullis.gateway.web.Rejection;
import dev.portcullis.gateway.web.RejectionReason;
import java.util.Set;
import org.springframework.http.HttpMethod;

/**
 * Who may call a route with the given methods. A public rule lets anyone through (and forwards no identity); any
 * other rule needs a verified token and then every listed requirement: one of the roles, all of {@code permissions},
 * at least one of {@code anyPermissions}, all of {@code scopes}, and a completed MFA step-up if {@code mfa}.
 *
 * @param methods the methods this rule is for; empty means every method
 */
public record AccessRule(
        Set<HttpMethod> methods,
        boolean publicAccess,
        Set<String> roles,
        Set<String> permissions,
        Set<String> anyPermissions,
        Set<String> scopes,
        boolean mfa) {

    /** The default of every route: a valid token, nothing more. */
    public static final AccessRule AUTHENTICATED = new AccessRule(Set.of(), false, Set.of(), Set.of(), Set.of(), Set.of(), false);

    public boolean appliesTo(HttpMethod method) {
        return methods.isEmpty() || methods.contains(method);
    }

    /** @return null when the token satisfies the rule, else the 403 to answer with */
    public Rejection check(VerifiedToken token) {
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
        return null;
    }

    private static String sorted(Set<String> values) {
        return values.stream().sorted().toList().toString();
    }
}
