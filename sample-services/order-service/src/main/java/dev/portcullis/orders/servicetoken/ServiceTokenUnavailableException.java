package dev.portcullis.orders.servicetoken;

/** The auth service could not give us a service token (down, slow, or refusing our credentials). */
public final class ServiceTokenUnavailableException extends RuntimeException {

    ServiceTokenUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
