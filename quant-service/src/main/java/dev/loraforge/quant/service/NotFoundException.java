package dev.loraforge.quant.service;

/** The addressed resource does not exist; the message says how to find or create it. */
public class NotFoundException extends RuntimeException {
    public NotFoundException(String message) {
        super(message);
    }
}
