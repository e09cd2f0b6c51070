package dev.loraforge.artifacts.service;

/** The request contradicts what is already recorded (an id or base-model name in use); nothing changed. */
public class ConflictException extends RuntimeException {
    public ConflictException(String message) {
        super(message);
    }
}
