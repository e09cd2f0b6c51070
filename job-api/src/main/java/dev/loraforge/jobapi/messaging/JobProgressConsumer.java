package dev.loraforge.jobapi.messaging;

import dev.loraforge.events.platform.DatabaseOutage;
import dev.loraforge.events.EventCodec;
import dev.loraforge.events.EventFormatException;
import dev.loraforge.events.JobProgress;
import dev.loraforge.jobapi.service.JobUpdateService;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/** Consumes trainers' progress from {@code loraforge.job.progress} into jobs and their events. */
@ApplicationScoped
public class JobProgressConsumer {

    private static final Logger LOG = Logger.getLogger(JobProgressConsumer.class);

    private final JobUpdateService updates;

    public JobProgressConsumer(JobUpdateService updates) {
        this.updates = updates;
    }

    @Incoming(Channels.JOB_PROGRESS)
    @Blocking
    public void consume(String payload) {
        try {
            var event = EventCodec.decode(payload, JobProgress.class);
            DatabaseOutage.waitOut("progress event of " + event.data().jobId(), () -> updates.apply(event.data(), event.time()));
        } catch (EventFormatException e) {
            LOG.warnf("skipping unreadable progress event: %s", e.getMessage());
        }
    }
}
