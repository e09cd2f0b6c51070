package dev.loraforge.contracts.auth;

/** A service token that is missing or not valid here; the message says why, never the token. */
public class ServiceTokenException extends RuntimeException {
    public ServiceTokenException(String message) {
        super(message);
    }
}
