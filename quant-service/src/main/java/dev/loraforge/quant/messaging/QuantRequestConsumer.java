package dev.loraforge.quant.messaging;

import dev.loraforge.events.platform.DatabaseOutage;
import dev.loraforge.events.EventCodec;
import dev.loraforge.events.EventFormatException;
import dev.loraforge.events.QuantizationRequested;
import dev.loraforge.quant.service.QuantizationService;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Consumes quantization requests from {@code loraforge.quant.request} and hands them to
 * {@link QuantizationService}, which records them on their pair's row and returns at once (the
 * quantization itself runs on the worker pool); outcomes go to {@code loraforge.quant.outcome}.
 */
@ApplicationScoped
public class QuantRequestConsumer {

    private static final Logger LOG = Logger.getLogger(QuantRequestConsumer.class);

    private final QuantizationService service;

    public QuantRequestConsumer(QuantizationService service) {
        this.service = service;
    }

    @Incoming(Channels.QUANT_REQUESTS)
    @Blocking
    public void consume(String payload) {
        QuantizationRequested request;
        try {
            request = EventCodec.decode(payload, QuantizationRequested.class).data();
        } catch (EventFormatException e) {
            LOG.warnf("skipping unreadable quantization request: %s", e.getMessage());
            return;
        }
        DatabaseOutage.waitOut("quantization request", () -> service.handle(request));
    }
}
