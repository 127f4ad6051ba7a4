package dev.portcullis.e2e.support;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;

/** Reads what a client may read in its own access token (no verification: the gateway does that). */
public final class Jwt {

    private Jwt() {
    }

    public static String keyId(String token) {
        return parse(token).getHeader().getKeyID();
    }

    public static JWTClaimsSet claims(String token) {
        try {
            return parse(token).getJWTClaimsSet();
        } catch (ParseException e) {
            throw new IllegalArgumentException("not a JWT", e);
        }
    }

    private static SignedJWT parse(String token) {
        try {
            return SignedJWT.parse(token);
        } catch (ParseException e) {
            throw new IllegalArgumentException("not a JWS", e);
        }
    }
}
