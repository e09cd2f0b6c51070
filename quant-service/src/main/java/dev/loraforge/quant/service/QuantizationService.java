package dev.loraforge.quant.service;

import dev.loraforge.events.QuantizationRequested;
import dev.loraforge.engine.quant.QuantScheme;
import dev.loraforge.quant.config.WorkerIdentity;
import dev.loraforge.quant.mapping.OutcomeMapper;
import dev.loraforge.quant.messaging.OutcomePublisher;
import dev.loraforge.quant.repository.Quantization;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Takes quantization requests (from Kafka or the REST API) and quantizes each base model once per
 * (digest, scheme): the request is recorded on the pair's row ({@link QuantizationLedger}); a done
 * pair is answered at once from the row, an open one gets the request on its waiting list, and a
 * pair nobody runs yet is handed to the {@link QuantizationWorker}, whose outcome names every
 * request that waited.
 */
@ApplicationScoped
public class QuantizationService {

    private static final Logger LOG = Logger.getLogger(QuantizationService.class);

    /** The scheme names the engine knows: nf4, nf4-dq, int8. */
    public static final List<String> SCHEMES = Arrays.stream(QuantScheme.values()).map(QuantScheme::id).toList();

    private final QuantizationLedger ledger;
    private final QuantizationWorker worker;
    private final OutcomePublisher publisher;
    private final WorkerIdentity identity;

    public QuantizationService(QuantizationLedger ledger, QuantizationWorker worker, OutcomePublisher publisher,
                               WorkerIdentity identity) {
        this.ledger = ledger;
        this.worker = worker;
        this.publisher = publisher;
        this.identity = identity;
    }

    /**
     * Handles one request.
     *
     * @return the pair's row after the request was recorded; empty when the request was refused
     *         without a row (unknown scheme), in which case a FAILED outcome answered it
     */
    public Optional<Quantization> handle(QuantizationRequested request) {
        if (!SCHEMES.contains(request.scheme())) {
            String message = "unknown quantization scheme '" + request.scheme() + "'; use one of " + SCHEMES;
            LOG.infof("request %s refused: %s", request.requestId(), message);
            publisher.publish(OutcomeMapper.refused(request, QuantizationFailure.UNSUPPORTED_SCHEME, message,
                    identity.engineVersion()));
            return Optional.empty();
        }
        QuantizationLedger.Intake intake = ledger.record(request);
        Quantization row = intake.row();
        if (intake.answerNow() != null) {
            LOG.infof("request %s for %s answered from the %s row", request.requestId(), row.key, row.status.wireName());
            publisher.publish(intake.answerNow());
        } else {
            LOG.infof("request %s for %s waits (%s, %d waiting)", request.requestId(), row.key, row.status.wireName(),
                    row.waiting().size());
        }
        if (intake.runNeeded()) {
            worker.submit(row.key);
        }
        return Optional.of(row);
    }
}
