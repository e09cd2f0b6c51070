package dev.loraforge.artifacts.service;

/** One thing wrong with a request: the field (JSON path, e.g. {@code parents[1].id}) and why. */
public record Violation(String field, String message) {
}
