package dev.loraforge.jobapi.messaging;

import dev.loraforge.events.platform.DatabaseOutage;
import dev.loraforge.events.EventCodec;
import dev.loraforge.events.EventFormatException;
import dev.loraforge.events.CheckpointSaved;
import dev.loraforge.jobapi.service.JobUpdateService;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/** Consumes {@code loraforge.job.checkpoint}: a job's checkpoints, listed as OpenAI checkpoint objects. */
@ApplicationScoped
public class CheckpointConsumer {

    private static final Logger LOG = Logger.getLogger(CheckpointConsumer.class);

    private final JobUpdateService updates;

    public CheckpointConsumer(JobUpdateService updates) {
        this.updates = updates;
    }

    @Incoming(Channels.CHECKPOINTS)
    @Blocking
    public void consume(String payload) {
        try {
            CheckpointSaved event = EventCodec.decode(payload, CheckpointSaved.class).data();
            DatabaseOutage.waitOut("checkpoint event of " + event.jobId(), () -> updates.apply(event));
        } catch (EventFormatException e) {
            LOG.warnf("skipping unreadable checkpoint event: %s", e.getMessage());
        }
    }
}
