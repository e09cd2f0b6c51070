package dev.loraforge.trainer.messaging;

import dev.loraforge.events.platform.DatabaseOutage;
import dev.loraforge.events.EventCodec;
import dev.loraforge.events.EventFormatException;
import dev.loraforge.events.JobControl;
import dev.loraforge.trainer.service.ControlService;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Consumes control requests (cancel, pause, resume) from {@code loraforge.job.control}; every
 * replica reads all of them (a consumer group per worker) and {@link ControlService} applies them.
 */
@ApplicationScoped
public class JobControlConsumer {

    private static final Logger LOG = Logger.getLogger(JobControlConsumer.class);

    private final ControlService control;

    public JobControlConsumer(ControlService control) {
        this.control = control;
    }

    @Incoming(Channels.JOB_CONTROL)
    @Blocking(ordered = true)
    public void consume(String payload) {
        JobControl request;
        try {
            request = EventCodec.decode(payload, JobControl.class).data();
        } catch (EventFormatException e) {
            LOG.warnf("skipping unreadable control event: %s", e.getMessage());
            return;
        }
        DatabaseOutage.waitOut("control request for " + request.jobId(), () -> control.apply(request));
    }
}
