package dev.loraforge.artifacts.service;

/** The addressed artifact, blob, base model or job record does not exist (or is another tenant's). */
public class ResourceNotFoundException extends RuntimeException {
    public ResourceNotFoundException(String message) {
        super(message);
    }
}
