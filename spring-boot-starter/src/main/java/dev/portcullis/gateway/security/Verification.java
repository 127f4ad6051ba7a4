package dev.portcullis.gateway.security;

import dev.portcullis.gateway.token.VerifiedToken;
import dev.portcullis.gateway.web.Rejection;

/** The outcome of verifying a token: an identity, or the reason there is none. */
public sealed interface Verification {

    record Verified(VerifiedToken token) implements Verification {
    }

    record Rejected(Rejection rejection) implements Verification {
    }
}
