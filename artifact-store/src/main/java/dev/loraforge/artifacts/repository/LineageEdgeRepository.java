package dev.loraforge.artifacts.repository;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.List;

/** The {@code lineage_edges} table. */
@ApplicationScoped
public class LineageEdgeRepository implements PanacheRepositoryBase<LineageEdgeEntity, LineageEdgeEntity.Key> {

    /** The edges from these children to their direct parents. */
    public List<LineageEdgeEntity> parentsOf(Collection<String> childIds) {
        return childIds.isEmpty() ? List.of()
                : list("key.childId in ?1 order by key.relation, key.parentId", childIds);
    }
}
