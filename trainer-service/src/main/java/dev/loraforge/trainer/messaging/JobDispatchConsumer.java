package dev.loraforge.trainer.messaging;

import dev.loraforge.events.platform.DatabaseOutage;
import dev.loraforge.events.EventCodec;
import dev.loraforge.events.EventFormatException;
import dev.loraforge.events.JobDispatched;
import dev.loraforge.trainer.service.AttemptService;
import dev.loraforge.trainer.service.RunControl;
import dev.loraforge.trainer.service.RunningAttempts;
import dev.loraforge.trainer.service.WorkerPool;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Consumes dispatched attempts from {@code loraforge.job.dispatch} (consumer group {@code trainers})
 * and only records each in the pool's queue (table {@code attempts}, state {@code pending}) before
 * the record is acknowledged; an idle worker of any replica then claims it. Training never runs on
 * this thread, so a long run never makes the consumer miss its poll deadline. A redelivered attempt
 * changes nothing; a newer attempt of a job stops the older one if it runs here.
 */
@ApplicationScoped
public class JobDispatchConsumer {

    private static final Logger LOG = Logger.getLogger(JobDispatchConsumer.class);

    private final AttemptService attempts;
    private final RunningAttempts running;
    private final WorkerPool pool;

    public JobDispatchConsumer(AttemptService attempts, RunningAttempts running, WorkerPool pool) {
        this.attempts = attempts;
        this.running = running;
        this.pool = pool;
    }

    @Incoming(Channels.JOB_DISPATCH)
    @Blocking(ordered = true)
    public void consume(String payload) {
        JobDispatched job;
        try {
            job = EventCodec.decode(payload, JobDispatched.class).data();
        } catch (EventFormatException e) {
            LOG.warnf("skipping unreadable dispatch event: %s", e.getMessage());
            return;
        }
        AttemptService.Recorded recorded = DatabaseOutage.waitOutFor("dispatch of " + job.jobId() + "#" + job.attempt(),
                () -> attempts.record(job, payload));
        switch (recorded) {
            case DUPLICATE -> LOG.infof("attempt %s#%d was already recorded (redelivery ignored)", job.jobId(), job.attempt());
            case SUPERSEDED_ON_ARRIVAL -> LOG.infof("attempt %s#%d arrived after a newer attempt; recorded superseded",
                    job.jobId(), job.attempt());
            case CANCELLED_JOB, PENDING -> {
                running.stop(job.jobId(), job.attempt(), RunControl.Stop.SUPERSEDED);
                LOG.infof("attempt %s#%d queued%s", job.jobId(), job.attempt(),
                        recorded == AttemptService.Recorded.CANCELLED_JOB ? " (its job was cancelled: it ends without training)" : "");
                pool.wake();
            }
        }
    }
}
