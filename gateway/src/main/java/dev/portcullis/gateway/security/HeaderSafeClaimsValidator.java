package dev.portcullis.gateway.security;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.portcullis.contract.TokenClaims;
import dev.portcullis.gateway.web.Rejection;
import dev.portcullis.gateway.web.RejectionReason;
import java.text.ParseException;
import java.time.Instant;
import java.util.List;

/**
 * Claims that become request headers upstream ({@code sub}, {@code jti}, {@code role}, {@code permissions},
 * {@code scope}, {@code amr}, {@code client_id}) must be short and printable, and list entries must not contain the
 * separator: a signed token is still not allowed to smuggle a header line or a forged list entry to the services.
 */
final class HeaderSafeClaimsValidator implements ClaimsValidator {

    static final int MAX_VALUE_LENGTH = 256;
    static final int MAX_LIST_ENTRIES = 256;

    @Override
    public Rejection validate(JWTClaimsSet claims, Instant now) {
        try {
            for (String name : List.of(TokenClaims.SUBJECT, TokenClaims.TOKEN_ID, TokenClaims.ROLE, TokenClaims.CLIENT_ID)) {
                String value = claims.getStringClaim(name);
                if (value != null && !isSafeValue(value, false)) {
                    return unsafe(name);
                }
            }
            String scope = claims.getStringClaim(TokenClaims.SCOPE);
            if (scope != null && (scope.length() > MAX_VALUE_LENGTH * 16 || !isSafeValue(scope.replace(' ', 'x'), true))) {
                return unsafe(TokenClaims.SCOPE);
            }
            for (String name : List.of(TokenClaims.PERMISSIONS, TokenClaims.AUTH_METHODS)) {
                List<String> values = claims.getStringListClaim(name);
                if (values != null) {
                    if (values.size() > MAX_LIST_ENTRIES) {
                        return unsafe(name);
                    }
                    for (String value : values) {
                        if (value == null || !isSafeValue(value, false)) {
                            return unsafe(name);
                        }
                    }
                }
            }
            return null;
        } catch (ParseException wrongType) {
            return Rejection.of(RejectionReason.MALFORMED, "A claim has the wrong type");
        }
    }

    /** Printable ASCII without space, comma, quote or backslash; non-empty and bounded. */
    static boolean isSafeValue(String value, boolean longAllowed) {
        int length = value.length();
        if (length == 0 || (!longAllowed && length > MAX_VALUE_LENGTH)) {
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

    private static Rejection unsafe(String claim) {
        return Rejection.of(RejectionReason.UNSAFE_CLAIM, "The '" + claim + "' claim is not in a safe format");
    }
}
