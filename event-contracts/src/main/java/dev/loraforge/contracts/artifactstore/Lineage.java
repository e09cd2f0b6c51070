package dev.loraforge.contracts.artifactstore;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/**
 * The lineage graph around {@code root}: every ancestor (or descendant) with the edges between them.
 *
 * @param direction {@code ancestors} or {@code descendants}
 * @param nodes     the root first, then the others newest first
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Lineage(String root, String direction, List<ArtifactView> nodes, List<Edge> edges) {

    /** "child RELATION parent". */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Edge(String child, String parent, String relation) {
    }
}
