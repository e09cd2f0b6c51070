package dev.loraforge.contracts.artifactstore;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * Body of {@code POST /api/v1/model-uploads}: a base model about to arrive in parts.
 *
 * @param name     the base model's name once registered ({@code NAME} or {@code ORG/NAME})
 * @param bytes    the total size of the archive (a ustar tar of the model directory) the parts add up to
 * @param filename optional: the archive's file name, for the operator's records
 * @param revision optional: the revision the model was taken at (a commit of its hub repository), kept in lineage
 * @param tenantId optional: the tenant the model will be private to; left out, it is public
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ModelUploadRequest(String name, Long bytes, String filename, String revision, String tenantId) {
}
