package dev.portcullis.orders.catalog;

/** product-service does not know this product id. */
public final class UnknownProductException extends RuntimeException {

    private final String productId;

    UnknownProductException(String productId) {
        super("unknown product " + productId, null, false, false);
        this.productId = productId;
    }

    public String productId() {
        return productId;
    }
}
