package dev.loraforge.contracts.artifactstore;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;
import java.util.Map;

/**
 * Body of {@code POST /api/v1/artifacts}. The service checks every field and names the offending
 * one ({@code kind}, {@code parents[1].relation}, {@code metadata.scheme}, ...).
 *
 * @param id       optional: a client-chosen id with the kind's prefix; a retried create with the same
 *                 id and content returns the existing artifact
 * @param digest   the blob ({@code sha256:<hex>}) already stored with {@code PUT /api/v1/blobs}
 * @param tenantId required for datasets, checkpoints and adapters; absent for shared base and quantized models
 * @param metadata free JSON object; some keys are required or typed per kind
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record NewArtifact(String id, String kind, String name, String digest, String tenantId, String jobId,
                          Map<String, Object> metadata, List<ParentRef> parents) {
}
