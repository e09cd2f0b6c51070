package dev.loraforge.artifacts.repository;

/**
 * Filters of an artifact listing; null means "any". {@code tenantId} matches the tenant's own
 * artifacts and the shared ones (tenant null).
 *
 * @param parent       artifacts with a lineage edge to this parent id
 * @param parentDigest artifacts with a parent whose digest is this
 * @param scheme       {@code metadata.scheme} (quantized models)
 */
public record ArtifactQuery(String kind, String tenantId, String jobId, String digest, String parent,
                            String parentDigest, String scheme, String name, int limit) {
}
