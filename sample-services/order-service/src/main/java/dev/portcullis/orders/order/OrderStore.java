package dev.portcullis.orders.order;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.springframework.stereotype.Component;

/** The in-memory order book; lost on restart, by design (a sample). */
@Component
final class OrderStore {

    private final ConcurrentMap<String, Order> orders = new ConcurrentHashMap<>();

    void save(Order order) {
        orders.put(order.id(), order);
    }

    /** The order if it exists and belongs to this user; someone else's order is as absent as a missing one. */
    Optional<Order> findOwned(String id, String ownerId) {
        return Optional.ofNullable(orders.get(id)).filter(order -> order.ownerId().equals(ownerId));
    }

    List<Order> ownedBy(String ownerId) {
        return orders.values().stream()
                .filter(order -> order.ownerId().equals(ownerId))
                .sorted(Comparator.comparing(Order::createdAt).thenComparing(Order::id))
                .toList();
    }

    Optional<Order> cancel(String id, String ownerId) {
        return findOwned(id, ownerId).map(order -> orders.computeIfPresent(id, (key, existing) -> existing.cancelled()));
    }
}
