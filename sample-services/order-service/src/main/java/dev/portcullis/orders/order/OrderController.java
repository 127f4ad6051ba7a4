package dev.portcullis.orders.order;

import dev.portcullis.servicesupport.Locations;
import org.springframework.http.server.reactive.ServerHttpRequest;
import dev.portcullis.servicesupport.identity.Identity;
import dev.portcullis.servicesupport.problem.Problems;
import jakarta.validation.Valid;
import java.util.List;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * {@code /orders}: a user sees and cancels only their own orders (anyone else's answer 404, as if absent); placing
 * one needs {@code orders:write}. Cancelling also needs MFA, which the gateway enforces on that route.
 */
@RestController
@RequestMapping("/orders")
final class OrderController {

    static final String WRITE = "orders:write";

    private final OrderStore store;
    private final OrderPricing pricing;

    OrderController(OrderStore store, OrderPricing pricing) {
        this.store = store;
        this.pricing = pricing;
    }

    @GetMapping
    Mono<List<Order>> mine(Identity caller) {
        return Mono.just(store.ownedBy(caller.userId()));
    }

    @GetMapping("/{id}")
    Mono<Order> one(Identity caller, @PathVariable String id) {
        return Mono.justOrEmpty(store.findOwned(id, caller.userId())).switchIfEmpty(Mono.error(() -> notFound(id)));
    }

    /** The permission is checked before the body is read, and before any call to the auth or product service. */
    @PostMapping
    Mono<ResponseEntity<Order>> place(Identity caller, @Valid @RequestBody Mono<NewOrder> body, ServerHttpRequest http) {
        caller.requirePermission(WRITE);
        return body.flatMap(request -> pricing.price(caller.userId(), request))
                .doOnNext(store::save)
                .map(order -> ResponseEntity.created(Locations.of(http, "/orders/" + order.id())).body(order));
    }

    /** Idempotent: cancelling a cancelled order answers it unchanged. */
    @PostMapping("/{id}/cancel")
    Mono<Order> cancel(Identity caller, @PathVariable String id) {
        return Mono.justOrEmpty(store.cancel(id, caller.userId())).switchIfEmpty(Mono.error(() -> notFound(id)));
    }

    private static RuntimeException notFound(String id) {
        return Problems.notFound("You have no order with id '" + id + "'.");
    }
}
