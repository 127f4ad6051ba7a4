package dev.portcullis.orders.catalog;

import java.math.BigDecimal;

/** What the order-service needs of a product-service product: its name and current unit price. */
public record CatalogProduct(String id, String name, BigDecimal price, String currency) {
}
