package dev.loraforge.contracts.artifactstore;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** What an artifact is; the wire name is lowercase, the id prefix identifies the kind. */
public enum ArtifactKind {
    BASE_MODEL("model", false),
    DATASET("dataset", true),
    QUANTIZED_MODEL("qmodel", false),
    CHECKPOINT("ckpt", true),
    ADAPTER("adapter", true);

    private final String idPrefix;
    private final boolean tenantOwned;

    ArtifactKind(String idPrefix, boolean tenantOwned) {
        this.idPrefix = idPrefix;
        this.tenantOwned = tenantOwned;
    }

    /** {@code base_model}, {@code dataset}, ... */
    public String wireName() {
        return name().toLowerCase();
    }

    /** {@code model}, {@code dataset}, {@code qmodel}, {@code ckpt}, {@code adapter}. */
    public String idPrefix() {
        return idPrefix;
    }

    /**
     * Datasets, checkpoints and adapters belong to a tenant; base and quantized models are public (shared by every
     * tenant) unless registered private to one tenant.
     */
    public boolean tenantOwned() {
        return tenantOwned;
    }

    public static Optional<ArtifactKind> fromWire(String name) {
        return Arrays.stream(values()).filter(k -> k.wireName().equals(name)).findFirst();
    }

    /** "base_model, dataset, ..." for error messages. */
    public static String valid() {
        return Arrays.stream(values()).map(ArtifactKind::wireName).collect(Collectors.joining(", "));
    }
}
