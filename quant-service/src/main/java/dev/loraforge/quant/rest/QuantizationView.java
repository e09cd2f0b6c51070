package dev.loraforge.quant.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.loraforge.events.ArtifactRef;
import dev.loraforge.events.ErrorInfo;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * A (base digest, scheme) pair on the wire: its state ({@code pending}, {@code running},
 * {@code succeeded}, {@code failed}), the requests waiting for it and, once done, the quantized model
 * and its figures or the error. {@code tenant_id}: the tenant a private base model belongs to (null: public). {@code request_id} is set only in the answer to a POST.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record QuantizationView(String baseDigest, String scheme, String tenantId, ArtifactRef baseModel, String baseModelName,
                               String status, List<String> waitingRequestIds, int requestCount, int attempts,
                               ArtifactRef quantizedModel, Long bytesBefore, Long bytesAfter, Double meanAbsError,
                               Long durationMs, String engineVersion, ErrorInfo error, Boolean errorRetryable,
                               OffsetDateTime createdAt, OffsetDateTime updatedAt, OffsetDateTime finishedAt,
                               @JsonInclude(JsonInclude.Include.NON_NULL) String requestId) {
}
