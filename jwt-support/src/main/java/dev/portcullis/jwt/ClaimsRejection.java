package dev.portcullis.jwt;

/**
 * Why a token's claims were refused: a reason each caller maps to its own answer (the gateway's rejection reason and
 * metric tag, a service's 401 problem), and a short description safe to show a client (it never contains a claim
 * value).
 */
public record ClaimsRejection(Reason reason, String description) {

    /** The rules a token's claims can break. */
    public enum Reason {
        /** A registered claim has the wrong JSON type. */
        MALFORMED,
        /** A required claim is absent. */
        MISSING_CLAIM,
        /** {@code iss} is not the expected issuer. */
        WRONG_ISSUER,
        /** {@code aud} names none of the accepted audiences. */
        WRONG_AUDIENCE,
        /** {@code exp} has passed, clock skew included. */
        EXPIRED,
        /** {@code nbf} or {@code iat} lies in the future, clock skew included. */
        NOT_YET_VALID,
        /** {@code exp - iat} exceeds the accepted maximum. */
        LIFETIME_TOO_LONG
    }
}
