package dev.loraforge.artifacts.mapping;

import dev.loraforge.contracts.artifactstore.ArtifactView;
import dev.loraforge.contracts.artifactstore.ParentRef;
import dev.loraforge.artifacts.repository.ArtifactEntity;
import dev.loraforge.artifacts.repository.LineageEdgeEntity;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/** Entities to their wire form; entities never leave the service. */
public final class ArtifactMapper {

    private ArtifactMapper() {
    }

    /**
     * @param parentEdges the artifact's edges to its direct parents (other edges are ignored)
     */
    public static ArtifactView toView(ArtifactEntity a, Collection<LineageEdgeEntity> parentEdges) {
        List<ParentRef> parents = parentEdges.stream()
                .filter(e -> e.key.childId().equals(a.id))
                .map(e -> new ParentRef(e.key.parentId(), e.key.relation()))
                .sorted((x, y) -> x.relation().equals(y.relation()) ? x.id().compareTo(y.id())
                        : x.relation().compareTo(y.relation()))
                .toList();
        return new ArtifactView(a.id, a.kind, a.name, a.digest, a.size, a.tenantId, a.jobId,
                a.metadata == null ? Map.of() : a.metadata, parents, a.createdAt);
    }
}
