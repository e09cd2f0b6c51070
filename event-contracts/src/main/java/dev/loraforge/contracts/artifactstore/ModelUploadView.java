package dev.loraforge.contracts.artifactstore;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/**
 * A model upload as artifact-store answers it ({@code POST /api/v1/model-uploads}, {@code GET .../{id}}, complete,
 * cancel): {@code status} pending (parts may be added), completed ({@code artifact_id} is the registered base model),
 * cancelled, failed ({@code error} says why the archive or model was refused) or expired. {@code parts} are the parts
 * received so far, oldest first: after an interrupted transfer, the ones missing are sent again. {@code tenant_id}: the
 * tenant the model will be private to (null: public).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ModelUploadView(String id, String name, String revision, String filename, long bytes,
                              long receivedBytes, String status, String error, String artifactId, String createdAt,
                              String expiresAt, String completedAt, List<Part> parts, String tenantId) {

    /** One received part: its id (what complete lists, in order), size and hex sha256. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Part(String id, long size, String sha256, String createdAt) {
    }
}
