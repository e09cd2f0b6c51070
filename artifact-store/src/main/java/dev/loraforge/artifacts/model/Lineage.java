package dev.loraforge.artifacts.model;

import java.util.List;

/**
 * The lineage graph around {@code root}: every ancestor (or descendant) with the edges between them.
 *
 * @param direction {@code ancestors} or {@code descendants}
 * @param nodes     the root first, then the others newest first
 */
public record Lineage(String root, String direction, List<ArtifactView> nodes, List<Edge> edges) {

    /** "child RELATION parent". */
    public record Edge(String child, String parent, String relation) {
    }
}
