package dev.loraforge.contracts.artifactstore;

import static dev.loraforge.contracts.artifactstore.ArtifactKind.ADAPTER;
import static dev.loraforge.contracts.artifactstore.ArtifactKind.CHECKPOINT;
import static dev.loraforge.contracts.artifactstore.ArtifactKind.DATASET;
import static dev.loraforge.contracts.artifactstore.ArtifactKind.QUANTIZED_MODEL;

import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A lineage edge's meaning, read "child RELATION parent": an adapter {@code trained_on} a dataset.
 * Each relation allows certain child and parent kinds.
 */
public enum Relation {
    /** The full-precision base model a checkpoint or adapter was trained on. */
    BASE_MODEL(Set.of(CHECKPOINT, ADAPTER), Set.of(ArtifactKind.BASE_MODEL)),
    /** The base model a quantized model was made from. */
    QUANTIZED_FROM(Set.of(QUANTIZED_MODEL), Set.of(ArtifactKind.BASE_MODEL)),
    /** The quantized variant of the base that QLoRA training actually loaded. */
    QUANTIZED_BASE(Set.of(CHECKPOINT, ADAPTER), Set.of(QUANTIZED_MODEL)),
    /** A training dataset. */
    TRAINED_ON(Set.of(CHECKPOINT, ADAPTER), Set.of(DATASET)),
    /** A validation dataset. */
    VALIDATED_ON(Set.of(CHECKPOINT, ADAPTER), Set.of(DATASET)),
    /** The checkpoint a (re-dispatched) attempt resumed from. */
    RESUMED_FROM(Set.of(CHECKPOINT, ADAPTER), Set.of(CHECKPOINT)),
    /** The checkpoint the final adapter was exported from. */
    EXPORTED_FROM(Set.of(ADAPTER), Set.of(CHECKPOINT)),
    /** The adapter of the fine-tuned model a job continued from (training started from its values). */
    CONTINUED_FROM(Set.of(CHECKPOINT, ADAPTER), Set.of(ADAPTER));

    private final Set<ArtifactKind> children;
    private final Set<ArtifactKind> parents;

    Relation(Set<ArtifactKind> children, Set<ArtifactKind> parents) {
        this.children = children;
        this.parents = parents;
    }

    public String wireName() {
        return name().toLowerCase();
    }

    public boolean allowsChild(ArtifactKind kind) {
        return children.contains(kind);
    }

    public boolean allowsParent(ArtifactKind kind) {
        return parents.contains(kind);
    }

    public Set<ArtifactKind> parentKinds() {
        return parents;
    }

    public static Optional<Relation> fromWire(String name) {
        return Arrays.stream(values()).filter(r -> r.wireName().equals(name)).findFirst();
    }

    /** The relations a child of this kind may use, for error messages. */
    public static String validFor(ArtifactKind child) {
        String names = Arrays.stream(values()).filter(r -> r.allowsChild(child)).map(Relation::wireName)
                .collect(Collectors.joining(", "));
        return names.isEmpty() ? "none (a " + child.wireName() + " has no parents)" : names;
    }
}
