package dev.loraforge.artifacts.storage;

/**
 * The result of storing content.
 *
 * @param created false when a blob with this digest already existed (the content is kept once)
 */
public record StoredBlob(BlobInfo blob, boolean created) {
}
