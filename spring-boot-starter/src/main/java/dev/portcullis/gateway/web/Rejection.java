package dev.portcullis.gateway.web;

import java.time.Duration;

/**
 * Why a request was turned away, as a value: the reason plus a short description safe to show a client (it never
 * contains the token or a claim value). {@code retryAfter} is set for 429 and 503.
 */
public record Rejection(RejectionReason reason, String detail, Duration retryAfter) {

    public static Rejection of(RejectionReason reason, String detail) {
        return new Rejection(reason, detail, null);
    }

    public static Rejection retryable(RejectionReason reason, String detail, Duration retryAfter) {
        return new Rejection(reason, detail, retryAfter);
    }
}
