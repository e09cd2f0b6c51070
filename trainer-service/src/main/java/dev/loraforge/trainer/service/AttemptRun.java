package dev.loraforge.trainer.service;

import dev.loraforge.events.platform.DatabaseOutage;
import dev.loraforge.contracts.artifactstore.ArtifactStoreException;
import dev.loraforge.contracts.artifactstore.BlobView;
import dev.loraforge.engine.model.DeviceSpec;
import dev.loraforge.engine.train.TrainResult;
import dev.loraforge.events.ArtifactRef;
import dev.loraforge.events.CheckpointSaved;
import dev.loraforge.events.JobDispatched;
import dev.loraforge.events.JobProgress;
import dev.loraforge.events.ResultFile;
import dev.loraforge.engine.train.StepMetricsCsv;
import dev.loraforge.trainer.client.ArtifactStoreClient;
import dev.loraforge.trainer.client.FileTrees;
import dev.loraforge.trainer.mapping.ArtifactMapper;
import dev.loraforge.trainer.mapping.EventMapper;
import dev.loraforge.trainer.mapping.TrainingPlan;
import dev.loraforge.trainer.repository.Attempt;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * One claimed attempt from its inputs to its ending: plan, datasets, model (cached), resume point,
 * training with progress and stored checkpoints, then the adapter stored with its lineage. Returns
 * what happened as a {@link Result}; {@link AttemptRunner} turns that into the attempt's final state
 * and event. Lives on one worker thread; its {@link RunControl} is what other threads touch.
 */
final class AttemptRun {

    private static final Logger LOG = Logger.getLogger(AttemptRun.class);

    /** How the run ended. */
    sealed interface Result {
    }

    record Succeeded(ArtifactRef adapter, long trainedTokens, Map<String, Double> metrics, long steps, long total,
                     ResultFile resultFile) implements Result {
    }

    /** Stopped by a control request (or a shutdown) after {@code steps} updates. */
    record Stopped(RunControl.Stop why, long steps, long total, long trainedTokens, CheckpointStored checkpoint) implements Result {
    }

    /** A checkpoint this attempt stored. */
    record CheckpointStored(ArtifactRef ref, int step) {
    }

    private final AttemptRunner services;
    private final JobDispatched job;
    private final Attempt.Key key;
    private final RunControl control;
    private final Path dir;
    private final ArtifactRef resumeRef;
    private ArtifactRef resumedFrom;
    private TrainingPlan plan;
    private volatile ProgressReporter reporter;
    private volatile CheckpointStored latestCheckpoint;

    AttemptRun(AttemptRunner services, JobDispatched job, RunControl control, Path dir, ArtifactRef resumeRef,
               Integer resumeStep) {
        this.services = services;
        this.job = job;
        this.key = control.key();
        this.control = control;
        this.dir = dir;
        this.resumeRef = resumeRef;
        if (resumeRef != null && resumeStep != null) {
            this.latestCheckpoint = new CheckpointStored(resumeRef, resumeStep);
        }
    }

    Attempt.Key key() {
        return key;
    }

    RunControl control() {
        return control;
    }

    /** An update done: counted in the trainer's metrics. */
    void stepped(long newTokens, double loss) {
        services.metrics().step(job.jobId(), newTokens, loss);
    }

    String workerId() {
        return services.workerId();
    }

    /** Total steps once known (0 before the first step). */
    long totalSteps() {
        ProgressReporter r = reporter;
        return r == null ? 0 : r.totalSteps();
    }

    void publishInBackground(JobProgress progress) {
        services.publisher().progressInBackground(progress);
    }

    Result execute() throws IOException {
        plan = TrainingPlan.of(job);
        Files.createDirectories(dir);
        if (control.stopRequested()) {
            return stoppedBeforeTraining();
        }
        ArtifactStoreClient store = services.store();
        Path train = dir.resolve("training.jsonl");
        Path validation = job.validationFile() == null ? null : dir.resolve("validation.jsonl");
        download(job.trainingFile(), train);
        if (validation != null) {
            download(job.validationFile(), validation);
        }
        boolean fromQuantized = plan.quantized() && job.quantizedModel() != null;
        String modelCode = fromQuantized ? JobFailure.QUANTIZED_MODEL_UNAVAILABLE : JobFailure.BASE_MODEL_UNAVAILABLE;
        Path modelDir = model(fromQuantized ? job.quantizedModel() : job.baseModel(), modelCode);
        if (control.stopRequested()) {
            return stoppedBeforeTraining();
        }
        Path resumeDir = resumeRef == null ? null : resumePoint(store);
        Path initAdapter = job.initAdapter() == null ? null : initAdapter(store, job.initAdapter());
        var inputs = new TrainingSession.Inputs(modelDir, modelCode, train, job.trainingFile().id(), validation,
                job.validationFile() == null ? null : job.validationFile().id(), initAdapter);
        TrainingSession session = TrainingSession.open(plan, inputs, services.engine().device());
        try {
            message(String.format("training %s" + (plan.hyperparameters().dpo() ? " with DPO (beta "
                    + plan.hyperparameters().beta() + ")" : "") + " on %s (%s): %,d trainable parameters, %d updates of %d x %d examples%s",
                    plan.method(), job.model(), DeviceSpec.name(services.engine().device()), session.trainableParameters(), session.config().maxSteps(),
                    session.config().batchSize(), session.config().gradAccumulation(),
                    resumeDir == null ? "" : ", resuming from checkpoint " + resumeRef.id())
                    + (initAdapter == null || resumeDir != null ? "" : ", starting from adapter " + job.initAdapter().id()));
            TrainResult result;
            try {
                result = train(session, resumeDir);
            } catch (IllegalArgumentException | UncheckedIOException e) {
                if (resumeDir == null || reporter.stepsReported() > 0) {
                    throw e;
                }
                // the checkpoint does not fit this job (refused before any step): start over, same result
                message("cannot resume from checkpoint " + resumeRef.id() + " (" + e.getMessage() + "); training from step 0");
                LOG.warnf("attempt %s: cannot resume from %s: %s", key, resumeRef.id(), e.getMessage());
                resumedFrom = null;
                latestCheckpoint = null;
                session.close();
                session = TrainingSession.open(plan, inputs, services.engine().device());
                result = train(session, null);
            }
            RunControl.Stop why = control.reason();
            if (why == RunControl.Stop.SUPERSEDED || why == RunControl.Stop.CANCEL
                    || (why != null && TrainResult.CANCELLED.equals(result.status()))) {
                return new Stopped(why, result.steps(), result.totalSteps(), reporter.trainedTokens(), latestCheckpoint);
            }
            return store(session, result);
        } finally {
            session.close();
        }
    }

    private TrainResult train(TrainingSession session, Path resumeDir) {
        resumedFrom = resumeDir == null ? null : resumeRef;
        reporter = new ProgressReporter(this, new ProgressThrottle(services.config().progressInterval()),
                session.tokenCounter(), this::checkpointWritten, plan.hyperparameters().dpo());
        return session.train(reporter, control.token(), dir.resolve("checkpoints"), resumeDir);
    }

    private Result stoppedBeforeTraining() {
        CheckpointStored c = latestCheckpoint;
        long step = c == null ? 0 : c.step();
        return new Stopped(control.reason(), step, 0, 0, c);
    }

    private void download(ArtifactRef file, Path target) {
        try {
            services.store().downloadFile(file.digest(), job.tenantId(), target);
        } catch (ArtifactStoreException e) {
            throw new JobFailure(JobFailure.TRAINING_FILE_UNAVAILABLE, "dataset " + file.id() + " could not be downloaded: "
                    + e.getMessage(), e);
        }
    }

    private Path model(ArtifactRef ref, String code) {
        try {
            return services.models().get(ref, job.tenantId());
        } catch (ArtifactStoreException | UncheckedIOException e) {
            throw new JobFailure(code, "model " + ref.id() + " (" + ref.digest() + ") could not be fetched: "
                    + e.getMessage(), e);
        }
    }

    /** The adapter of the fine-tuned model the job continues, unpacked (a PEFT directory). */
    private Path initAdapter(ArtifactStoreClient store, ArtifactRef ref) {
        Path target = dir.resolve("init-adapter");
        try {
            store.downloadDirectory(ref.digest(), job.tenantId(), target);
            return target;
        } catch (ArtifactStoreException e) {
            throw new JobFailure(JobFailure.INIT_ADAPTER_UNAVAILABLE, "adapter " + ref.id() + " of the fine-tuned model"
                    + " this job continues could not be downloaded: " + e.getMessage(), e);
        }
    }

    /** The checkpoint to resume from, unpacked; null (train from step 0, the same run) when it cannot be had. */
    private Path resumePoint(ArtifactStoreClient store) {
        Path target = dir.resolve("resume");
        try {
            store.downloadDirectory(resumeRef.digest(), job.tenantId(), target);
            return target;
        } catch (ArtifactStoreException e) {
            message("checkpoint " + resumeRef.id() + " could not be downloaded (" + e.getMessage() + "); training from step 0");
            LOG.warnf("attempt %s: checkpoint %s unavailable: %s", key, resumeRef.id(), e.getMessage());
            latestCheckpoint = null;
            return null;
        }
    }

    /** Stores a checkpoint the engine wrote: archive, blob, registration, CheckpointSaved. */
    private void checkpointWritten(long step, Path checkpointDir, Map<String, Double> metrics) {
        RunControl.Stop why = control.reason();
        boolean atStop = why == RunControl.Stop.PAUSE || why == RunControl.Stop.SHUTDOWN;
        try {
            if (why == RunControl.Stop.SUPERSEDED || why == RunControl.Stop.CANCEL || (!plan.periodicCheckpoints() && !atStop)) {
                return; // nobody will resume from it
            }
            BlobView blob = services.store().uploadDirectory(checkpointDir);
            ArtifactRef ref = services.store().register(services.artifacts().checkpoint(job, facts(), (int) step,
                    blob.digest(), metrics));
            latestCheckpoint = new CheckpointStored(ref, (int) step);
            // the checkpoint is stored: the database must learn of it, so training waits for it through an outage
            DatabaseOutage.waitOut("checkpoint record of " + key, () -> services.attempts().checkpointStored(key, workerId(), ref, (int) step));
            try {
                CheckpointSaved saved = EventMapper.checkpoint(key, workerId(), (int) step, ref, metrics);
                services.publisher().checkpoint(saved);
            } catch (RuntimeException e) {
                LOG.warnf("attempt %s: CheckpointSaved of step %d not published: %s", key, step, e.getMessage());
            }
        } catch (RuntimeException e) {
            // training goes on; a later checkpoint (or the end) is the next resume point
            LOG.warnf("attempt %s: checkpoint of step %d not stored: %s", key, step, e.getMessage());
            message("checkpoint at step " + step + " could not be stored: " + e.getMessage());
        } finally {
            deleteQuietly(checkpointDir);
        }
    }

    private Succeeded store(TrainingSession session, TrainResult result) {
        Path adapterDir = dir.resolve("adapter");
        session.saveAdapter(adapterDir, job.model());
        Map<String, Double> metrics = new LinkedHashMap<>();
        EventMapper.putFinite(metrics, "train_loss", result.trainLoss());
        EventMapper.putFinite(metrics, "final_loss", result.finalLoss());
        boolean dpo = plan.hyperparameters().dpo();
        // a DPO run's accuracy is TRL's rewards/accuracies (chosen scored above rejected), its loss the DPO loss
        EventMapper.putFinite(metrics, dpo ? "rewards_accuracies" : "train_mean_token_accuracy", result.finalMeanTokenAccuracy());
        EventMapper.putFinite(metrics, "valid_loss", result.valLoss());
        EventMapper.putFinite(metrics, dpo ? "valid_rewards_accuracies" : "valid_mean_token_accuracy",
                result.validMeanTokenAccuracy());
        if (!dpo) {
            EventMapper.putFinite(metrics, "perplexity", result.perplexity());
        } else {
            metrics.put("beta", plan.hyperparameters().beta());
        }
        EventMapper.putFinite(metrics, "tokens_per_second", result.tokensPerSecond());
        metrics.put("steps", (double) result.steps());
        long trainedTokens = reporter.trainedTokens();
        try {
            // the per-step metrics CSV (OpenAI's result file): every step of every attempt, carried by checkpoints
            Path csv = StepMetricsCsv.write(result, dir.resolve(StepMetricsCsv.FILE_NAME));
            BlobView csvBlob = services.store().uploadFile(csv);
            ResultFile resultFile = new ResultFile(csvBlob.digest(), csvBlob.size(), StepMetricsCsv.FILE_NAME);
            BlobView blob = services.store().uploadDirectory(adapterDir);
            ArtifactRef adapter = services.store().register(services.artifacts().adapter(job, facts(), blob.digest(),
                    metrics, trainedTokens, result.steps(), resultFile));
            return new Succeeded(adapter, trainedTokens, metrics, result.steps(), result.totalSteps(), resultFile);
        } catch (ArtifactStoreException e) {
            throw new JobFailure(JobFailure.ARTIFACT_STORE_UNAVAILABLE, "the trained adapter could not be stored: "
                    + e.getMessage(), e);
        }
    }

    private ArtifactMapper.RunFacts facts() {
        return new ArtifactMapper.RunFacts(key.attempt(), services.engineVersion(), resumedFrom);
    }

    private void message(String text) {
        publishInBackground(EventMapper.message(key, workerId(), text));
    }

    private static void deleteQuietly(Path path) {
        try {
            FileTrees.delete(path);
        } catch (IOException e) {
            LOG.debugf("cannot remove %s: %s", path, e.getMessage());
        }
    }
}
