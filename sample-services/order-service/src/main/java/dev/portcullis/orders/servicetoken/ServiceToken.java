package dev.portcullis.orders.servicetoken;

import java.time.Instant;

/**
 * A service access token and the instant from which it should no longer be handed out (shortly before it expires, so
 * that it never reaches product-service already expired).
 */
record ServiceToken(String value, Instant refreshAt) {

    boolean usableAt(Instant now) {
        return now.isBefore(refreshAt);
    }

    @Override
    public String toString() {
        return "ServiceToken[refreshAt=" + refreshAt + "]";
    }
}
