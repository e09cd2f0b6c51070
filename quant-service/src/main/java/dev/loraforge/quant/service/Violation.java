package dev.loraforge.quant.service;

/** One offending field of a request and what would be valid. */
public record Violation(String field, String message) {
}
