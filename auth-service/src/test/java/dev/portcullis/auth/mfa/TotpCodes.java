package dev.portcullis.auth.mfa;

import java.time.Clock;

/** Computes the current TOTP code from an enrolment's base32 secret, as an authenticator app would. */
public final class TotpCodes {

    private TotpCodes() {
    }

    public static String now(String base32Secret, Clock clock) {
        return Totp.code(Base32.decode(base32Secret), Totp.step(clock.instant()));
    }
}
