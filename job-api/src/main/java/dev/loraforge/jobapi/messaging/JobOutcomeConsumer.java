package dev.loraforge.jobapi.messaging;

import dev.loraforge.events.platform.DatabaseOutage;
import dev.loraforge.events.EventCodec;
import dev.loraforge.events.EventFormatException;
import dev.loraforge.events.JobOutcome;
import dev.loraforge.jobapi.service.JobUpdateService;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/** Consumes attempts' outcomes from {@code loraforge.job.outcome}: ends jobs. */
@ApplicationScoped
public class JobOutcomeConsumer {

    private static final Logger LOG = Logger.getLogger(JobOutcomeConsumer.class);

    private final JobUpdateService updates;

    public JobOutcomeConsumer(JobUpdateService updates) {
        this.updates = updates;
    }

    @Incoming(Channels.JOB_OUTCOMES)
    @Blocking
    public void consume(String payload) {
        try {
            JobOutcome event = EventCodec.decode(payload, JobOutcome.class).data();
            DatabaseOutage.waitOut("outcome event of " + event.jobId(), () -> updates.apply(event));
        } catch (EventFormatException e) {
            LOG.warnf("skipping unreadable outcome event: %s", e.getMessage());
        }
    }
}
