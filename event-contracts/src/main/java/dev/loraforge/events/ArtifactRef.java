package dev.loraforge.events;

/**
 * A reference to an artifact in artifact-store: its registry id and the sha256 digest of its
 * content ({@code sha256:<hex>}).
 */
public record ArtifactRef(String id, String digest) {
    public ArtifactRef {
        Require.text(id, "ArtifactRef", "id");
        Require.text(digest, "ArtifactRef", "digest");
        if (!digest.matches("sha256:[0-9a-f]{64}")) {
            throw new EventFormatException("ArtifactRef.digest must be 'sha256:' and 64 lowercase hex digits, got '" + digest + "'");
        }
    }
}
