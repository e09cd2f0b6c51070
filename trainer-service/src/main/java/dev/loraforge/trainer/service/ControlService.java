package dev.loraforge.trainer.service;

import dev.loraforge.events.JobControl;
import dev.loraforge.trainer.repository.AttemptRepository;
import dev.loraforge.trainer.repository.CancelledJobRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * Applies job-api's control requests. The request is written on the job's open attempts (and a
 * cancel in {@code cancelled_jobs}, for a dispatch still on its way), so whichever replica holds or
 * later claims the attempt acts on it; an attempt running in this process is told at once and stops
 * before its next step. Pending attempts end right away through {@link FinalEventRelay}.
 */
@ApplicationScoped
public class ControlService {

    private static final Logger LOG = Logger.getLogger(ControlService.class);

    private final AttemptRepository attempts;
    private final CancelledJobRepository cancelled;
    private final RunningAttempts running;
    private final FinalEventRelay relay;

    public ControlService(AttemptRepository attempts, CancelledJobRepository cancelled, RunningAttempts running,
                          FinalEventRelay relay) {
        this.attempts = attempts;
        this.cancelled = cancelled;
        this.running = running;
        this.relay = relay;
    }

    public void apply(JobControl control) {
        switch (control.action()) {
            case CANCEL -> {
                int flagged = QuarkusTransaction.requiringNew().call(() -> {
                    cancelled.add(control.jobId(), control.reason());
                    return attempts.requestStop(control.jobId(), true);
                });
                int local = running.stop(control.jobId(), Integer.MAX_VALUE, RunControl.Stop.CANCEL);
                LOG.infof("cancel of %s: %d open attempt(s) flagged, %d running here", control.jobId(), flagged, local);
                relay.run();
            }
            case PAUSE -> {
                int flagged = QuarkusTransaction.requiringNew().call(() -> attempts.requestStop(control.jobId(), false));
                int local = running.stop(control.jobId(), Integer.MAX_VALUE, RunControl.Stop.PAUSE);
                LOG.infof("pause of %s: %d open attempt(s) flagged, %d running here", control.jobId(), flagged, local);
                relay.run();
            }
            case RESUME -> LOG.infof("resume of %s: nothing to do here (job-api dispatches a new attempt)", control.jobId());
        }
    }
}
