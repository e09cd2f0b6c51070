package dev.loraforge.quant.mapping;

import dev.loraforge.events.ArtifactRef;
import dev.loraforge.events.ErrorInfo;
import dev.loraforge.quant.repository.Quantization;
import dev.loraforge.quant.rest.QuantizationView;

/** A pair's row as the REST view. */
public final class QuantizationMapper {

    private QuantizationMapper() {
    }

    public static QuantizationView toView(Quantization q, String requestId) {
        return new QuantizationView(q.key.baseDigest(), q.key.scheme(), q.key.owner(), new ArtifactRef(q.baseId, q.key.baseDigest()),
                q.baseName, q.status.wireName(), q.waiting(), q.requestCount, q.attempts,
                q.quantizedId == null ? null : new ArtifactRef(q.quantizedId, q.quantizedDigest),
                q.bytesBefore, q.bytesAfter, q.meanAbsError, q.durationMs, q.engineVersion,
                q.errorCode == null ? null : new ErrorInfo(q.errorCode, q.errorMessage),
                q.errorCode == null ? null : q.errorRetryable,
                q.createdAt, q.updatedAt, q.finishedAt, requestId);
    }
}
