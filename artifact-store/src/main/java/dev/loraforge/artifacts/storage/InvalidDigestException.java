package dev.loraforge.artifacts.storage;

/** A digest that is not {@code sha256:<64 lowercase hex>}; the message says why. */
public class InvalidDigestException extends IllegalArgumentException {
    public InvalidDigestException(String message) {
        super(message);
    }
}
