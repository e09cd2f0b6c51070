package dev.loraforge.artifacts.messaging;

import dev.loraforge.events.platform.DatabaseOutage;
import dev.loraforge.artifacts.service.CheckpointService;
import dev.loraforge.events.CheckpointSaved;
import dev.loraforge.events.EventCodec;
import dev.loraforge.events.EventFormatException;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Consumes CheckpointSaved events from {@code loraforge.job.checkpoint} and records them
 * ({@link CheckpointService}): each checkpoint must already be registered for its job with the
 * stated digest, otherwise a warning row is recorded. An unreadable event is logged and skipped.
 */
@ApplicationScoped
public class CheckpointConsumer {

    private static final Logger LOG = Logger.getLogger(CheckpointConsumer.class);

    private final CheckpointService service;

    public CheckpointConsumer(CheckpointService service) {
        this.service = service;
    }

    @Incoming(Channels.JOB_CHECKPOINTS)
    @Blocking
    public void consume(String payload) {
        try {
            var event = EventCodec.decode(payload, CheckpointSaved.class);
            DatabaseOutage.waitOut("checkpoint event " + event.id(), () -> service.record(event));
        } catch (EventFormatException e) {
            LOG.warnf("skipping unreadable checkpoint event: %s", e.getMessage());
        }
    }
}
