package dev.portcullis.orders.order;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * One order of one user, priced when it was placed (later price changes do not touch it).
 *
 * @param ownerId the {@code x-user-id} of the user who placed it; only they see it
 */
public record Order(String id, String ownerId, List<OrderLine> items, BigDecimal total, String currency,
        Status status, Instant createdAt) {

    public Order {
        items = List.copyOf(items);
    }

    /** PLACED until its owner cancels it. */
    public enum Status { PLACED, CANCELLED }

    Order cancelled() {
        return new Order(id, ownerId, items, total, currency, Status.CANCELLED, createdAt);
    }

    /** One priced line. */
    public record OrderLine(String productId, String name, int quantity, BigDecimal unitPrice, BigDecimal lineTotal) {
    }
}
