package dev.portcullis.orders.catalog;

/** product-service could not answer (down, slow, failing, or refusing our service token). */
public final class ProductServiceUnavailableException extends RuntimeException {

    ProductServiceUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
