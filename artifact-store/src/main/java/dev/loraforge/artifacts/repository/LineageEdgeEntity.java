package dev.loraforge.artifacts.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import java.io.Serializable;

/** "child RELATION parent" (table {@code lineage_edges}). */
@Entity
@Table(name = "lineage_edges")
public class LineageEdgeEntity {

    @EmbeddedId
    public Key key;

    public LineageEdgeEntity() {
    }

    public LineageEdgeEntity(String childId, String parentId, String relation) {
        this.key = new Key(childId, parentId, relation);
    }

    /** The whole edge is the key. */
    @Embeddable
    public record Key(@Column(name = "child_id") String childId, @Column(name = "parent_id") String parentId,
                      @Column(name = "relation") String relation) implements Serializable {
    }
}
