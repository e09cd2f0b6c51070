package dev.loraforge.contracts.artifactstore;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

/** An artifact on the wire (snake_case); absent tenant or job are written as null. */
@JsonInclude(JsonInclude.Include.ALWAYS)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ArtifactView(String id, String kind, String name, String digest, long size, String tenantId,
                           String jobId, Map<String, Object> metadata, List<ParentRef> parents,
                           OffsetDateTime createdAt) {
}
