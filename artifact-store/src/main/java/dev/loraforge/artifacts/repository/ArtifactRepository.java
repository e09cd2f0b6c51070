package dev.loraforge.artifacts.repository;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.Query;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code artifacts} table; listings newest first (creation order). Native SQL names tables
 * with {@code {h-schema}} (Hibernate puts the configured default schema there).
 */
@ApplicationScoped
public class ArtifactRepository implements PanacheRepositoryBase<ArtifactEntity, String> {

    private static final String COLUMNS =
            "a.id, a.kind, a.name, a.digest, a.size, a.tenant_id, a.job_id, a.metadata, a.created_at";

    public Optional<ArtifactEntity> baseModelNamed(String name) {
        return find("kind = 'base_model' and name = ?1", name).firstResultOptional();
    }

    /** Artifacts matching every given filter, newest first, at most {@code q.limit()}. */
    @SuppressWarnings("unchecked")
    public List<ArtifactEntity> search(ArtifactQuery q) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM {h-schema}artifacts a WHERE TRUE");
        Map<String, Object> params = new LinkedHashMap<>();
        if (q.kind() != null) {
            sql.append(" AND a.kind = :kind");
            params.put("kind", q.kind());
        }
        if (q.tenantId() != null) {
            sql.append(" AND (a.tenant_id = :tenant OR a.tenant_id IS NULL)");
            params.put("tenant", q.tenantId());
        }
        if (q.jobId() != null) {
            sql.append(" AND a.job_id = :job");
            params.put("job", q.jobId());
        }
        if (q.digest() != null) {
            sql.append(" AND a.digest = :digest");
            params.put("digest", q.digest());
        }
        if (q.parent() != null) {
            sql.append(" AND EXISTS (SELECT 1 FROM {h-schema}lineage_edges e WHERE e.child_id = a.id AND e.parent_id = :parent)");
            params.put("parent", q.parent());
        }
        if (q.parentDigest() != null) {
            sql.append(" AND EXISTS (SELECT 1 FROM {h-schema}lineage_edges e JOIN {h-schema}artifacts p ON p.id = e.parent_id"
                    + " WHERE e.child_id = a.id AND p.digest = :parentDigest)");
            params.put("parentDigest", q.parentDigest());
        }
        if (q.scheme() != null) {
            sql.append(" AND a.metadata ->> 'scheme' = :scheme");
            params.put("scheme", q.scheme());
        }
        if (q.name() != null) {
            sql.append(" AND a.name = :name");
            params.put("name", q.name());
        }
        sql.append(" ORDER BY a.seq DESC LIMIT :limit");
        params.put("limit", q.limit());
        Query query = getEntityManager().createNativeQuery(sql.toString(), ArtifactEntity.class);
        params.forEach(query::setParameter);
        return query.getResultList();
    }

    /**
     * Whether a reader scoped to {@code tenant} may read the blob {@code digest}: some artifact it sees stores it
     * (one of the tenant's own, or a shared base or quantized model), or one of the tenant's artifacts names it as
     * its {@code result_file} (the per-step metrics of an adapter). A scope no tenant has sees the shared ones only.
     */
    @jakarta.transaction.Transactional
    public boolean blobVisible(String digest, String tenant) {
        String sql = "SELECT EXISTS (SELECT 1 FROM {h-schema}artifacts WHERE digest = :d"
                + " AND (tenant_id IS NULL OR tenant_id = :t))"
                + " OR EXISTS (SELECT 1 FROM {h-schema}artifacts WHERE (metadata -> 'result_file' ->> 'digest') = :d"
                + " AND tenant_id = :t)";
        Object found = getEntityManager().createNativeQuery(sql).setParameter("d", digest).setParameter("t", tenant)
                .getSingleResult();
        return Boolean.TRUE.equals(found);
    }

    /** The artifacts with these ids (any order). */
    public List<ArtifactEntity> byIds(Collection<String> ids) {
        return ids.isEmpty() ? List.of() : list("id in ?1", ids);
    }

    /**
     * Every edge reachable from {@code id}: towards parents (ancestors) or towards children
     * (descendants). Each element is {child, parent, relation}.
     */
    @SuppressWarnings("unchecked")
    public List<String[]> walk(String id, boolean ancestors) {
        String start = ancestors ? "child_id" : "parent_id";
        String join = ancestors ? "e.child_id = w.parent_id" : "e.parent_id = w.child_id";
        String sql = "WITH RECURSIVE walk(child_id, parent_id, relation) AS ("
                + " SELECT child_id, parent_id, relation FROM {h-schema}lineage_edges WHERE " + start + " = :id"
                + " UNION"
                + " SELECT e.child_id, e.parent_id, e.relation FROM {h-schema}lineage_edges e JOIN walk w ON " + join
                + ") SELECT child_id, parent_id, relation FROM walk";
        List<Object[]> rows = getEntityManager().createNativeQuery(sql).setParameter("id", id).getResultList();
        List<String[]> edges = new ArrayList<>(rows.size());
        for (Object[] row : rows) {
            edges.add(new String[] {(String) row[0], (String) row[1], (String) row[2]});
        }
        return edges;
    }
}
