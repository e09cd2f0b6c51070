package dev.loraforge.artifacts.storage;

/** A stored blob: its digest and size in bytes. */
public record BlobInfo(Digest digest, long size) {
}
