package dev.portcullis.products.catalog;

import java.math.BigDecimal;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.stereotype.Component;

/** The in-memory catalogue, seeded with a few products; lost on restart, by design (a sample). */
@Component
public final class ProductCatalog {

    static final String CURRENCY = "EUR";

    private final ConcurrentMap<String, Product> products = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong(100);

    ProductCatalog() {
        seed("p-1", "Portcullis mug", "A mug with a gate on it.", "12.50");
        seed("p-2", "Drawbridge notebook", "Squared paper, 120 pages.", "8.90");
        seed("p-3", "Gatekeeper T-shirt", "Cotton, sizes S to XL.", "24.00");
        seed("p-4", "Moat maintenance kit", "Everything a moat needs.", "149.99");
    }

    public List<Product> all() {
        return products.values().stream().sorted(Comparator.comparing(Product::id)).toList();
    }

    public Optional<Product> find(String id) {
        return Optional.ofNullable(products.get(id));
    }

    Product add(NewProduct request) {
        String id = "p-" + nextId.getAndIncrement();
        Product product = new Product(id, request.name().strip(),
                request.description() == null ? "" : request.description().strip(),
                request.price().setScale(2), CURRENCY);
        products.put(id, product);
        return product;
    }

    private void seed(String id, String name, String description, String price) {
        products.put(id, new Product(id, name, description, new BigDecimal(price), CURRENCY));
    }
}
