package dev.portcullis.products.catalog;

import java.math.BigDecimal;

/**
 * One product of the catalogue.
 *
 * @param price the unit price in {@code currency}, two decimals
 */
public record Product(String id, String name, String description, BigDecimal price, String currency) {
}
