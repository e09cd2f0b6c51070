package dev.loraforge.quant.mapping;

import dev.loraforge.events.ArtifactRef;
import dev.loraforge.events.ErrorInfo;
import dev.loraforge.events.QuantizationOutcome;
import dev.loraforge.events.QuantizationRequested;
import dev.loraforge.quant.repository.Quantization;
import dev.loraforge.quant.repository.QuantizationStatus;
import java.util.List;

/** A pair's row (succeeded or failed) as the outcome event for the requests it answers. */
public final class OutcomeMapper {

    private OutcomeMapper() {
    }

    public static QuantizationOutcome toOutcome(Quantization q, List<String> requestIds) {
        ArtifactRef base = new ArtifactRef(q.baseId, q.key.baseDigest());
        if (q.status == QuantizationStatus.SUCCEEDED) {
            return new QuantizationOutcome(requestIds, base, q.key.scheme(), QuantizationOutcome.Status.SUCCEEDED,
                    new ArtifactRef(q.quantizedId, q.quantizedDigest), q.bytesBefore, q.bytesAfter, q.meanAbsError,
                    q.durationMs, q.engineVersion, null, q.key.owner());
        }
        if (q.status == QuantizationStatus.FAILED) {
            return new QuantizationOutcome(requestIds, base, q.key.scheme(), QuantizationOutcome.Status.FAILED,
                    null, null, null, null, q.durationMs, q.engineVersion, new ErrorInfo(q.errorCode, q.errorMessage),
                    q.key.owner());
        }
        throw new IllegalStateException("pair " + q.key + " is " + q.status.wireName() + ": no outcome yet");
    }

    /** A request refused before any row was made (e.g. an unknown scheme). */
    public static QuantizationOutcome refused(QuantizationRequested request, String code, String message,
                                              String engineVersion) {
        return new QuantizationOutcome(List.of(request.requestId()), request.baseModel(), request.scheme(),
                QuantizationOutcome.Status.FAILED, null, null, null, null, null, engineVersion,
                new ErrorInfo(code, message), request.tenantId());
    }
}
