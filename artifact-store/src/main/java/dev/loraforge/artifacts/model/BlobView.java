package dev.loraforge.artifacts.model;

/** A stored blob on the wire. */
public record BlobView(String digest, long size) {
}
