package dev.portcullis.gateway.security;

import dev.portcullis.gateway.web.Rejection;
import java.util.Map;

/**
 * Told of every check a token goes through, in order, with its outcome: how the explain endpoint shows why a token is
 * refused, from the very code that refuses it. The request path passes {@link #NONE}, which costs a virtual call per
 * check and no allocation: callers build {@code facts} only when {@link #enabled()} says someone listens.
 */
public interface VerificationTrace {

    /** Listens to nothing; the request path's trace. */
    VerificationTrace NONE = new VerificationTrace() {
        @Override
        public boolean enabled() {
            return false;
        }

        @Override
        public void step(String check, Rejection failure, Map<String, Object> facts) {
        }
    };

    /** Whether facts are wanted; false on the request path. */
    default boolean enabled() {
        return true;
    }

    /**
     * @param check   the stable name of the check ({@code size}, {@code parse}, {@code issuer}, ...)
     * @param failure null when the check passed, else the refusal it produced
     * @param facts   what the check compared, never the token nor a claim value beyond what explains the outcome
     */
    void step(String check, Rejection failure, Map<String, Object> facts);

    default void passed(String check) {
        step(check, null, Map.of());
    }
}
