package dev.portcullis.dpop;

import dev.portcullis.contract.TokenClaims;
import java.util.Map;

/**
 * Reads the binding of an access token: {@code cnf.jkt} (RFC 9449 section 6.1), the RFC 7638 SHA-256 thumbprint of the
 * client's key. Both sides use it, so an issuer and a gateway agree on what a bound token looks like.
 */
public final class DpopBinding {

    private DpopBinding() {
    }

    /**
     * @param claims the token's claims
     * @return the thumbprint the token is bound to, or null when it has no {@code cnf} (a Bearer token)
     * @throws IllegalArgumentException when {@code cnf} is there but is not an object with a SHA-256 thumbprint: such a
     *                                  token must be refused, never treated as unbound
     */
    public static String thumbprint(Map<String, Object> claims) {
        Object cnf = claims.get(TokenClaims.CONFIRMATION);
        if (cnf == null) {
            return null;
        }
        if (!(cnf instanceof Map<?, ?> confirmation) || !(confirmation.get(TokenClaims.CONFIRMATION_THUMBPRINT) instanceof String jkt)
                || !isThumbprint(jkt)) {
            throw new IllegalArgumentException("cnf must be an object with a SHA-256 jkt");
        }
        return jkt;
    }

    /** 43 base64url characters: the unpadded encoding of 32 bytes. */
    static boolean isThumbprint(String value) {
        if (value.length() != 43) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
                return false;
            }
        }
        return true;
    }
}
