package dev.portcullis.gateway.web;

import java.time.Duration;
import java.util.List;

/**
 * Why a request was turned away, as a value: the reason plus a short description safe to show a client (it never
 * contains the token or a claim value). {@code retryAfter} is set for 429 and 503; {@code challenge} holds extra
 * {@code WWW-Authenticate} parameters, already formatted (the RFC 9470 {@code acr_values} and {@code max_age} of a
 * step-up challenge), or null.
 */
public record Rejection(RejectionReason reason, String detail, Duration retryAfter, String challenge) {

    public Rejection(RejectionReason reason, String detail, Duration retryAfter) {
        this(reason, detail, retryAfter, null);
    }

    public static Rejection of(RejectionReason reason, String detail) {
        return new Rejection(reason, detail, null);
    }

    public static Rejection retryable(RejectionReason reason, String detail, Duration retryAfter) {
        return new Rejection(reason, detail, retryAfter);
    }

    /**
     * An RFC 9470 step-up challenge: {@code acr_values} (space-separated, when the route names any) and
     * {@code max_age} (whole seconds, when the route limits it) tell the client what authentication would pass.
     */
    public static Rejection stepUp(String detail, List<String> acrValues, Duration maxAge) {
        StringBuilder challenge = new StringBuilder();
        if (!acrValues.isEmpty()) {
            challenge.append("acr_values=\"").append(String.join(" ", acrValues)).append('"');
        }
        if (maxAge != null) {
            if (!challenge.isEmpty()) {
                challenge.append(", ");
            }
            challenge.append("max_age=").append(maxAge.toSeconds());
        }
        return new Rejection(RejectionReason.INSUFFICIENT_USER_AUTHENTICATION, detail, null,
                challenge.isEmpty() ? null : challenge.toString());
    }
}
