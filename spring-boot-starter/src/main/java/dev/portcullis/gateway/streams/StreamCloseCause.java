package dev.portcullis.gateway.streams;

import org.springframework.web.reactive.socket.CloseStatus;

/**
 * Why a stream ended: the {@code cause} tag of {@code portcullis.streams.closed}, and for the causes the gateway
 * enforces, the WebSocket close status the client receives (RFC 6455 1008, policy violation, with a short reason).
 */
public enum StreamCloseCause {

    /** The token passed its {@code exp} plus the issuer's clock skew. */
    EXPIRED("expired", new CloseStatus(1008, "token expired")),
    /** The token, or every token of its user, was revoked. */
    REVOKED("revoked", new CloseStatus(1008, "token revoked")),
    /** The instance already tracks {@code portcullis.streams.max-open} streams (1013: try again later). */
    CAPACITY("capacity", new CloseStatus(1013, "too many open streams")),
    /** The client, the upstream or the network ended it. */
    ENDED("ended", CloseStatus.NORMAL);

    private final String tag;
    private final CloseStatus closeStatus;

    StreamCloseCause(String tag, CloseStatus closeStatus) {
        this.tag = tag;
        this.closeStatus = closeStatus;
    }

    public String tag() {
        return tag;
    }

    public CloseStatus closeStatus() {
        return closeStatus;
    }
}
