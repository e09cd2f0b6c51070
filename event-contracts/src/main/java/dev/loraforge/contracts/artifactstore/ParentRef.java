package dev.loraforge.contracts.artifactstore;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/** A parent of an artifact and how the artifact derives from it ({@link Relation}). */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ParentRef(String id, String relation) {
}
