package dev.loraforge.trainer.service;

import dev.loraforge.engine.train.ProgressListener;
import dev.loraforge.engine.train.StepProgress;
import dev.loraforge.trainer.mapping.EventMapper;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns the engine's reports of one attempt into progress events: STEP (thinned out by
 * {@link ProgressThrottle}; never waiting on Kafka), VALIDATION, and each written checkpoint handed
 * to the attempt to be stored. Runs on the training thread.
 */
final class ProgressReporter implements ProgressListener {

    /** Receives each checkpoint directory the engine wrote, with the metrics at its step. */
    interface CheckpointSink {
        void written(long step, Path directory, Map<String, Double> metrics);
    }

    private final AttemptRun run;
    private final ProgressThrottle throttle;
    private final TokenCounter tokens;
    private final CheckpointSink checkpoints;
    /** A DPO run: its accuracy is TRL's rewards/accuracies, named so in a checkpoint's metrics. */
    private final boolean dpo;
    private long stepsReported;
    private long totalSteps;
    private long trainedTokens;
    private double lastLoss = Double.NaN;
    private double lastAccuracy = Double.NaN;
    private double lastValidationLoss = Double.NaN;
    private double lastValidationAccuracy = Double.NaN;
    private long lastValidationStep = -1;

    ProgressReporter(AttemptRun run, ProgressThrottle throttle, TokenCounter tokens, CheckpointSink checkpoints, boolean dpo) {
        this.run = run;
        this.throttle = throttle;
        this.tokens = tokens;
        this.checkpoints = checkpoints;
        this.dpo = dpo;
    }

    @Override
    public void onStep(StepProgress p) {
        run.control().step(p.step());
        // a resumed run's first update: the tokens before it were trained by the earlier run
        long before = stepsReported == 0 ? tokens.through(p.step() - 1) : trainedTokens;
        stepsReported++;
        totalSteps = p.totalSteps();
        trainedTokens = tokens.through(p.step());
        lastLoss = p.loss();
        run.stepped(trainedTokens - before, p.loss());
        lastAccuracy = p.meanTokenAccuracy();
        if (throttle.report(p.step(), p.totalSteps(), System.nanoTime())) {
            run.publishInBackground(EventMapper.step(run.key(), run.workerId(), p, trainedTokens));
        }
    }

    @Override
    public void onValidation(long step, double loss, double perplexity, double accuracy) {
        lastValidationLoss = loss;
        lastValidationAccuracy = accuracy;
        lastValidationStep = step;
        run.publishInBackground(EventMapper.validation(run.key(), run.workerId(), step, totalSteps, loss, perplexity,
                accuracy));
    }

    @Override
    public void onCheckpoint(long step, Path directory) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        EventMapper.putFinite(metrics, "train_loss", lastLoss);
        EventMapper.putFinite(metrics, dpo ? "rewards_accuracies" : "train_mean_token_accuracy", lastAccuracy);
        if (lastValidationStep == step) {
            EventMapper.putFinite(metrics, "valid_loss", lastValidationLoss);
            EventMapper.putFinite(metrics, dpo ? "valid_rewards_accuracies" : "valid_mean_token_accuracy", lastValidationAccuracy);
        }
        checkpoints.written(step, directory, metrics);
    }

    /** Steps reported by the engine in this run (0 until the first update is done). */
    long stepsReported() {
        return stepsReported;
    }

    long totalSteps() {
        return totalSteps;
    }

    /** Real tokens trained on up to the last reported step, counting steps before a resume. */
    long trainedTokens() {
        return trainedTokens;
    }
}
