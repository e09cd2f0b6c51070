package dev.loraforge.artifacts.model;

/** A parent of an artifact and how the artifact derives from it ({@link Relation}). */
public record ParentRef(String id, String relation) {
}
