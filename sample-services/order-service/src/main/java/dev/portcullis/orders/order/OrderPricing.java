package dev.portcullis.orders.order;

import dev.portcullis.orders.catalog.CatalogProduct;
import dev.portcullis.orders.catalog.ProductClient;
import dev.portcullis.orders.catalog.ProductServiceProperties;
import dev.portcullis.orders.catalog.ProductServiceUnavailableException;
import dev.portcullis.orders.catalog.UnknownProductException;
import dev.portcullis.orders.servicetoken.ServiceTokenUnavailableException;
import dev.portcullis.servicesupport.problem.Problems;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Turns a requested order into a priced one by asking product-service for every line, and maps its failures to
 * problems: an unknown product is the client's mistake (422), an unreachable product-service or auth service is
 * ours (503 with {@code Retry-After}).
 */
@Component
final class OrderPricing {

    /** Lines are priced in parallel, but not more than this at once, to be gentle with product-service. */
    private static final int CONCURRENT_LOOKUPS = 4;

    /**
     * Order ids are a sequence: ownership, not secrecy, protects an order (someone else's id answers 404). Not
     * {@code UUID.randomUUID()}: SecureRandom may read /dev/urandom, a blocking call on the event loop.
     */
    private final AtomicLong nextId = new AtomicLong(1000);
    private final ProductClient products;
    private final ProductServiceProperties properties;
    private final Clock clock;

    OrderPricing(ProductClient products, ProductServiceProperties properties, Clock clock) {
        this.products = products;
        this.properties = properties;
        this.clock = clock;
    }

    Mono<Order> price(String ownerId, NewOrder request) {
        return Flux.fromIterable(request.items())
                .flatMapSequential(item -> products.product(item.productId()).map(product -> line(item, product)),
                        CONCURRENT_LOOKUPS)
                .collectList()
                .map(lines -> order(ownerId, lines))
                .onErrorMap(this::toProblem);
    }

    private static Order.OrderLine line(NewOrder.Item item, CatalogProduct product) {
        BigDecimal unit = product.price().setScale(2, RoundingMode.HALF_UP);
        return new Order.OrderLine(product.id(), product.name(), item.quantity(), unit,
                unit.multiply(BigDecimal.valueOf(item.quantity())));
    }

    private Order order(String ownerId, List<Order.OrderLine> lines) {
        BigDecimal total = lines.stream().map(Order.OrderLine::lineTotal).reduce(BigDecimal.ZERO, BigDecimal::add)
                .setScale(2, RoundingMode.HALF_UP);
        return new Order("o-" + nextId.getAndIncrement(), ownerId, lines, total, "EUR", Order.Status.PLACED, clock.instant());
    }

    private Throwable toProblem(Throwable error) {
        if (error instanceof UnknownProductException unknown) {
            return Problems.unknownReference("There is no product with id '" + unknown.productId() + "'.");
        }
        if (error instanceof ProductServiceUnavailableException || error instanceof ServiceTokenUnavailableException) {
            return Problems.serviceUnavailable("Orders cannot be priced right now; please retry later.",
                    properties.retryAfter());
        }
        return error;
    }
}
