package dev.loraforge.trainer.service;

import dev.loraforge.events.JobOutcome;
import dev.loraforge.events.JobProgress;
import dev.loraforge.trainer.config.WorkerIdentity;
import dev.loraforge.trainer.mapping.EventMapper;
import dev.loraforge.trainer.messaging.EventPublisher;
import dev.loraforge.trainer.repository.Attempt;
import dev.loraforge.trainer.repository.AttemptRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.jboss.logging.Logger;

/**
 * Delivers each attempt's final event (its outcome, or PAUSED progress) from the attempt row, which
 * the worker writes together with the final state: the event is sent until Kafka acknowledges it,
 * also after a restart, so an ending is never lost. Also ends pending attempts that were cancelled
 * or paused before any worker claimed them. Runs every {@code trainer.poll-interval} on every
 * replica; rows are locked with SKIP LOCKED, so replicas share the work.
 */
@ApplicationScoped
public class FinalEventRelay {

    private static final Logger LOG = Logger.getLogger(FinalEventRelay.class);
    private static final int BATCH = 20;

    private final AttemptRepository attempts;
    private final EventPublisher publisher;
    private final WorkerIdentity worker;

    public FinalEventRelay(AttemptRepository attempts, EventPublisher publisher, WorkerIdentity worker) {
        this.attempts = attempts;
        this.publisher = publisher;
        this.worker = worker;
    }

    @Scheduled(every = "${trainer.poll-interval}", delayed = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        run();
    }

    /** Ends stopped pending attempts and publishes unsent final events; returns how many events were sent. */
    public synchronized int run() {
        try {
            endStoppedPending();
            int sent = 0;
            while (sendOne()) {
                sent++;
            }
            return sent;
        } catch (RuntimeException e) {
            LOG.warnf("final events not delivered yet (retrying every poll interval): %s", e.getMessage());
            return 0;
        }
    }

    /** Pending attempts with a cancel or pause request end without training. */
    void endStoppedPending() {
        QuarkusTransaction.requiringNew().run(() -> {
            for (Attempt a : attempts.lockPendingWithRequests(BATCH)) {
                OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
                a.finishedAt = now;
                a.workerId = worker.id();
                if (a.cancelRequested) {
                    a.state = Attempt.CANCELLED;
                    JobOutcome outcome = EventMapper.cancelled(a.key, worker.id(), 0, null);
                    a.finalTopic = EventPublisher.topicOf(outcome);
                    a.finalEvent = EventPublisher.encode(worker.id(), a.key.jobId(), outcome);
                } else {
                    a.state = Attempt.PAUSED;
                    JobProgress paused = EventMapper.paused(a.key, worker.id(), null, "paused before training started");
                    a.finalTopic = EventPublisher.topicOf(paused);
                    a.finalEvent = EventPublisher.encode(worker.id(), a.key.jobId(), paused);
                }
                LOG.infof("pending attempt %s ended %s without training", a.key, a.state);
            }
        });
    }

    /** Sends the oldest unsent final event and marks it sent; false when none is left. */
    boolean sendOne() {
        return QuarkusTransaction.requiringNew().call(() -> {
            var unsent = attempts.lockUnsent(1);
            if (unsent.isEmpty()) {
                return false;
            }
            Attempt a = unsent.get(0);
            publisher.send(a.finalTopic, a.key.jobId(), a.finalEvent, a.traceparent);
            a.finalSentAt = OffsetDateTime.now(ZoneOffset.UTC);
            return true;
        });
    }
}
