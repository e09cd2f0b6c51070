package dev.loraforge.artifacts.messaging;

import dev.loraforge.events.platform.DatabaseOutage;
import dev.loraforge.artifacts.service.JobOutcomeService;
import dev.loraforge.events.EventCodec;
import dev.loraforge.events.EventFormatException;
import dev.loraforge.events.JobOutcome;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Consumes job outcomes from {@code loraforge.job.outcome} and records them
 * ({@link JobOutcomeService}); adapters and their lineage hang off these records.
 * An unreadable event is logged and skipped, never retried forever.
 */
@ApplicationScoped
public class JobOutcomeConsumer {

    private static final Logger LOG = Logger.getLogger(JobOutcomeConsumer.class);

    private final JobOutcomeService service;

    public JobOutcomeConsumer(JobOutcomeService service) {
        this.service = service;
    }

    @Incoming(Channels.JOB_OUTCOMES)
    @Blocking
    public void consume(String payload) {
        try {
            var event = EventCodec.decode(payload, JobOutcome.class);
            DatabaseOutage.waitOut("job outcome event " + event.id(), () -> service.record(event));
        } catch (EventFormatException e) {
            LOG.warnf("skipping unreadable job outcome event: %s", e.getMessage());
        }
    }
}
