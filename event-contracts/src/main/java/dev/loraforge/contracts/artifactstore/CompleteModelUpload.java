package dev.loraforge.contracts.artifactstore;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/**
 * Body of {@code POST /api/v1/model-uploads/{id}/complete}: the parts, in the order their bytes make the archive (as
 * OpenAI's {@code part_ids}); parts received but not listed are dropped.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record CompleteModelUpload(List<String> partIds) {
}
