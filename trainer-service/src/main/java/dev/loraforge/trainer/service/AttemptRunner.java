package dev.loraforge.trainer.service;

import dev.loraforge.events.platform.TraceContext;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import dev.loraforge.events.platform.DatabaseOutage;
import dev.loraforge.contracts.artifactstore.ArtifactStoreException;
import dev.loraforge.events.ArtifactRef;
import dev.loraforge.events.EventCodec;
import dev.loraforge.events.JobDispatched;
import dev.loraforge.events.JobOutcome;
import dev.loraforge.trainer.client.ArtifactStoreClient;
import dev.loraforge.trainer.client.FileTrees;
import dev.loraforge.trainer.config.EngineSetup;
import dev.loraforge.trainer.config.TrainerConfig;
import dev.loraforge.trainer.config.WorkerIdentity;
import dev.loraforge.trainer.mapping.ArtifactMapper;
import dev.loraforge.trainer.mapping.EventMapper;
import dev.loraforge.trainer.messaging.EventPublisher;
import dev.loraforge.trainer.repository.Attempt;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Runs a claimed attempt on the calling worker thread: STARTED, a heartbeat every
 * {@code trainer.heartbeat-interval} (HEARTBEAT progress, {@code heartbeat_at}, and a look at the
 * row's cancel / pause flags and ownership, which covers control events this replica missed), the
 * {@link AttemptRun}, then the ending: the final state and final event written together and handed
 * to {@link FinalEventRelay}. A superseded attempt ends silently; a shutdown hands the attempt back.
 */
@ApplicationScoped
public class AttemptRunner {

    private static final Logger LOG = Logger.getLogger(AttemptRunner.class);

    private final AttemptService attempts;
    private final EventPublisher publisher;
    private final ArtifactStoreClient store;
    private final ModelCache models;
    private final ArtifactMapper artifacts;
    private final RunningAttempts running;
    private final FinalEventRelay relay;
    private final WorkerIdentity worker;
    private final TrainerConfig config;
    private final EngineSetup engine;
    private final ScheduledExecutorService heartbeats;
    private final TrainerMetrics metrics;
    private final Tracer tracer;

    public AttemptRunner(AttemptService attempts, EventPublisher publisher, ArtifactStoreClient store, ModelCache models,
                         ArtifactMapper artifacts, RunningAttempts running, FinalEventRelay relay, WorkerIdentity worker,
                         TrainerConfig config, EngineSetup engine, TrainerMetrics metrics, Tracer tracer) {
        this.metrics = metrics;
        this.tracer = tracer;
        this.attempts = attempts;
        this.publisher = publisher;
        this.store = store;
        this.models = models;
        this.artifacts = artifacts;
        this.running = running;
        this.relay = relay;
        this.worker = worker;
        this.config = config;
        this.engine = engine;
        this.heartbeats = Executors.newScheduledThreadPool(Math.max(1, config.concurrency()), r -> {
            Thread t = new Thread(r, "trainer-heartbeat");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Runs {@code claim} to its end in a span of the job's trace (the dispatch's, kept with the attempt): its events,
     * heartbeats and artifact-store calls carry it. Never throws: every failure ends the attempt FAILED.
     */
    public void run(AttemptService.Claim claim) {
        Span span = tracer.spanBuilder("train " + claim.key()).setParent(TraceContext.parse(claim.traceparent()))
                .setAttribute("loraforge.job_id", claim.key().jobId())
                .setAttribute("loraforge.attempt", claim.key().attempt())
                .setAttribute("loraforge.worker_id", worker.id()).startSpan();
        try (Scope ignored = span.makeCurrent()) {
            runTraced(claim, Context.current());
        } finally {
            span.end();
        }
    }

    private void runTraced(AttemptService.Claim claim, Context trace) {
        Attempt.Key key = claim.key();
        JobDispatched job;
        try {
            job = EventCodec.decode(claim.payload(), JobDispatched.class).data();
        } catch (RuntimeException e) {
            LOG.errorf(e, "attempt %s has an unreadable dispatch payload", key);
            end(key, 0, null, null, Attempt.FAILED, EventMapper.failed(key, worker.id(), JobFailure.INTERNAL_ERROR,
                    "the dispatched job could not be read: " + e.getMessage(), engine.engineVersion()), null);
            return;
        }
        RunControl control = running.register(key);
        if (claim.cancelRequested()) {
            control.stop(RunControl.Stop.CANCEL);
        } else if (claim.pauseRequested()) {
            control.stop(RunControl.Stop.PAUSE);
        }
        ArtifactRef resume = claim.checkpoint() != null ? claim.checkpoint() : job.resumeFrom();
        Path dir = config.workDir().resolve("jobs").resolve(job.jobId() + "-a" + job.attempt() + "-"
                + UUID.randomUUID().toString().substring(0, 8));
        AttemptRun run = new AttemptRun(this, job, control, dir, resume, claim.checkpointStep());
        ScheduledFuture<?> beat = null;
        try {
            LOG.infof("attempt %s claimed by %s%s", key, worker.id(), resume == null ? "" : ", resuming from " + resume.id());
            if (!control.stopRequested()) { // cancelled or paused while queued: it ends without being started
                try {
                    publisher.progress(EventMapper.started(key, worker.id(), claim.checkpointStep()));
                } catch (RuntimeException e) {
                    LOG.warnf("attempt %s: STARTED not published: %s", key, e.getMessage());
                }
            }
            long every = config.heartbeatInterval().toMillis();
            beat = heartbeats.scheduleAtFixedRate(() -> {
                try (Scope ignored = trace.makeCurrent()) {
                    heartbeat(run);
                }
            }, every, every, TimeUnit.MILLISECONDS);
            AttemptRun.Result result = run.execute();
            end(run, result);
        } catch (Throwable e) {
            failed(run, e);
        } finally {
            if (beat != null) {
                beat.cancel(false);
            }
            running.remove(key);
            metrics.ended(key.jobId());
            try {
                FileTrees.delete(dir);
            } catch (IOException e) {
                LOG.warnf("cannot remove %s: %s", dir, e.getMessage());
            }
        }
    }

    private void heartbeat(AttemptRun run) {
        RunControl control = run.control();
        try {
            AttemptService.Flags flags = attempts.heartbeat(run.key(), worker.id(), control.step(), run.totalSteps());
            if (!flags.held()) {
                control.stop(RunControl.Stop.SUPERSEDED); // superseded or taken away: say nothing more
                return;
            }
            if (flags.cancel()) {
                control.stop(RunControl.Stop.CANCEL);
            } else if (flags.pause()) {
                control.stop(RunControl.Stop.PAUSE);
            }
            publisher.progressInBackground(EventMapper.heartbeat(run.key(), worker.id(), control.step(), run.totalSteps()));
        } catch (RuntimeException e) {
            LOG.warnf("heartbeat of %s failed: %s", run.key(), e.getMessage());
        }
    }

    private void end(AttemptRun run, AttemptRun.Result result) {
        Attempt.Key key = run.key();
        Long requested = run.control().stepAtRequest();
        if (result instanceof AttemptRun.Succeeded s) {
            LOG.infof("attempt %s succeeded after %d steps: adapter %s", key, s.steps(), s.adapter().id());
            end(key, s.steps(), s.total(), requested, Attempt.SUCCEEDED, EventMapper.succeeded(key, worker.id(),
                    s.adapter(), s.trainedTokens(), s.metrics(), engine.engineVersion(), s.resultFile()), null);
        } else if (result instanceof AttemptRun.Stopped s) {
            stopped(run, s, requested);
        }
    }

    private void stopped(AttemptRun run, AttemptRun.Stopped s, Long requested) {
        Attempt.Key key = run.key();
        switch (s.why()) {
            case SUPERSEDED -> LOG.infof("attempt %s stopped at step %d: superseded by a newer attempt", key, s.steps());
            case CANCEL -> {
                LOG.infof("attempt %s cancelled at step %d (requested at step %s)", key, s.steps(), requested);
                end(key, s.steps(), s.total(), requested, Attempt.CANCELLED,
                        EventMapper.cancelled(key, worker.id(), s.steps(), s.trainedTokens()), null);
            }
            case PAUSE -> {
                String where = s.checkpoint() == null ? "no checkpoint stored yet; a resume starts from step 0"
                        : s.checkpoint().step() == s.steps() ? "checkpoint " + s.checkpoint().ref().id()
                        : "latest checkpoint " + s.checkpoint().ref().id() + " at step " + s.checkpoint().step();
                LOG.infof("attempt %s paused at step %d (%s)", key, s.steps(), where);
                end(key, s.steps(), s.total(), requested, Attempt.PAUSED,
                        EventMapper.paused(key, worker.id(), (int) s.steps(), "paused at step " + s.steps() + "; " + where), null);
            }
            case SHUTDOWN -> {
                if (DatabaseOutage.waitOutFor("hand-back of " + key, () -> attempts.handBack(key, worker.id(), s.steps()))) {
                    LOG.infof("attempt %s handed back to the pool at step %d (this worker is stopping)", key, s.steps());
                    publisher.progressInBackground(EventMapper.message(key, worker.id(), "worker " + worker.id()
                            + " is stopping; the attempt goes back to the queue at step " + s.steps()));
                }
            }
        }
    }

    private void failed(AttemptRun run, Throwable e) {
        Attempt.Key key = run.key();
        RunControl control = run.control();
        long step = control.step();
        if (control.reason() == RunControl.Stop.SUPERSEDED) {
            LOG.infof("attempt %s (superseded) ended with %s", key, e.toString());
            return;
        }
        if (control.reason() == RunControl.Stop.CANCEL) {
            end(key, step, null, control.stepAtRequest(), Attempt.CANCELLED,
                    EventMapper.cancelled(key, worker.id(), step, null), null);
            return;
        }
        String code;
        String message;
        if (e instanceof JobFailure f) {
            code = f.code();
            message = f.getMessage();
            LOG.warnf("attempt %s failed: %s: %s", key, code, message);
        } else if (e instanceof ArtifactStoreException s) {
            code = JobFailure.ARTIFACT_STORE_UNAVAILABLE;
            message = s.getMessage();
            LOG.warnf("attempt %s failed: %s", key, message);
        } else {
            code = JobFailure.INTERNAL_ERROR;
            message = "training stopped on an unexpected error (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + firstLine(e.getMessage())) + "); the trainer's log has the details";
            LOG.errorf(e, "attempt %s failed", key);
        }
        end(key, step, null, control.stepAtRequest(), Attempt.FAILED,
                EventMapper.failed(key, worker.id(), code, message, engine.engineVersion()), code);
    }

    private void end(Attempt.Key key, long step, Long total, Long requested, String state, Object finalEvent, String errorCode) {
        String message = finalEvent instanceof JobOutcome o && o.error() != null ? o.error().message() : null;
        AttemptService.Ending ending = new AttemptService.Ending(state, step, total, requested, errorCode, message,
                EventPublisher.topicOf(finalEvent), EventPublisher.encode(worker.id(), key.jobId(), finalEvent));
        // an attempt's end (and its final event, in the same transaction) is never dropped: wait out an outage
        boolean ended = DatabaseOutage.waitOutFor("end of " + key, () -> attempts.finish(key, worker.id(), ending));
        if (!ended) {
            LOG.infof("attempt %s is no longer held by %s (superseded meanwhile): its ending (%s) is not reported",
                    key, worker.id(), state);
            return;
        }
        relay.run();
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    String workerId() {
        return worker.id();
    }

    TrainerMetrics metrics() {
        return metrics;
    }

    EventPublisher publisher() {
        return publisher;
    }

    ArtifactStoreClient store() {
        return store;
    }

    ModelCache models() {
        return models;
    }

    ArtifactMapper artifacts() {
        return artifacts;
    }

    AttemptService attempts() {
        return attempts;
    }

    EngineSetup engine() {
        return engine;
    }

    TrainerConfig config() {
        return config;
    }

    String engineVersion() {
        return engine.engineVersion();
    }

    @PreDestroy
    void close() {
        heartbeats.shutdownNow();
    }
}
