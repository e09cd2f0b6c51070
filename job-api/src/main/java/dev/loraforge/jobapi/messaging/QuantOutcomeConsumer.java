package dev.loraforge.jobapi.messaging;

import dev.loraforge.events.platform.DatabaseOutage;
import dev.loraforge.events.EventCodec;
import dev.loraforge.events.EventFormatException;
import dev.loraforge.events.QuantizationOutcome;
import dev.loraforge.jobapi.service.JobUpdateService;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/** Consumes {@code loraforge.quant.outcome}: releases (or fails) the QLoRA jobs waiting for a quantized base. */
@ApplicationScoped
public class QuantOutcomeConsumer {

    private static final Logger LOG = Logger.getLogger(QuantOutcomeConsumer.class);

    private final JobUpdateService updates;

    public QuantOutcomeConsumer(JobUpdateService updates) {
        this.updates = updates;
    }

    @Incoming(Channels.QUANT_OUTCOMES)
    @Blocking
    public void consume(String payload) {
        try {
            QuantizationOutcome event = EventCodec.decode(payload, QuantizationOutcome.class).data();
            DatabaseOutage.waitOut("quantization outcome", () -> updates.apply(event));
        } catch (EventFormatException e) {
            LOG.warnf("skipping unreadable quantization outcome: %s", e.getMessage());
        }
    }
}
