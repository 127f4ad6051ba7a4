package dev.portcullis.dpop;

import java.time.Instant;

/** The outcome of checking a DPoP proof: accepted with what it proved, or refused with a reason. Never null. */
public sealed interface DpopCheck {

    /**
     * A proof whose signature, claims and freshness window passed; its replay is checked separately
     * ({@link DpopReplayCache}), because that needs Redis.
     *
     * @param thumbprint the RFC 7638 SHA-256 thumbprint of the proof's public key (base64url), the value of {@code cnf.jkt}
     * @param jti        the proof's unique id
     * @param issuedAt   the proof's {@code iat}
     */
    record Accepted(String thumbprint, String jti, Instant issuedAt) implements DpopCheck {
    }

    /**
     * @param detail a short description safe to show the client (never a claim value, key or token)
     */
    record Refused(DpopFailure failure, String detail) implements DpopCheck {
    }

    static DpopCheck refused(DpopFailure failure, String detail) {
        return new Refused(failure, detail);
    }
}
