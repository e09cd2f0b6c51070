package dev.loraforge.engine.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.loraforge.engine.data.Batch;
import dev.loraforge.engine.data.DataLoader;
import dev.loraforge.engine.data.EncodedExample;
import dev.loraforge.engine.model.Adapter;
import dev.loraforge.engine.model.GradMode;
import dev.loraforge.engine.model.LayerwiseBackward;
import dev.loraforge.engine.model.LlamaModel;
import dev.loraforge.engine.model.Ops;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fine-tunes an adapter on a frozen {@link LlamaModel}: for each optimizer update, {@code
 * gradAccumulation} micro-batches are forwarded and back-propagated (loss = summed token NLL over the
 * whole accumulation window / its counted tokens, so accumulating equals one big batch), gradients are
 * clipped by global norm, and {@link AdamW} steps with the scheduled learning rate. Only
 * {@link Adapter#trainableParameters()} have gradients and optimizer state.
 *
 * <p>Every update runs in its own sub-{@link NDManager} that is closed at its end (activations,
 * gradient wrappers, optimizer temporaries). Dropout draws from the engine RNG, reseeded from
 * (seed, step, micro-batch) before each forward; data order depends on (seed, epoch). So a run is
 * reproducible and a resumed run follows the uninterrupted one.
 *
 * <p>Cancellation is checked before each update; a cancelled run with checkpoints enabled saves one
 * at the step it reached. Not thread-safe; one run per instance. Close it to free the optimizer state.
 */
public final class FineTuneLoop implements AutoCloseable {

    private final LlamaModel model;
    private final Adapter adapter;
    private final TrainConfig config;
    private final List<EncodedExample> train;
    private final List<EncodedExample> validation;
    private final int padId;
    private final Map<String, NDArray> params;
    private final NDManager stateManager;
    private final AdamW optimizer;
    private ProgressListener listener = ProgressListener.NONE;
    private CancellationToken cancellation = new CancellationToken();
    private Path checkpointRoot;

    /**
     * @param validation examples for validation loss and perplexity; may be empty
     * @param padId      id written at padding positions (masked out; any valid id works)
     */
    public FineTuneLoop(LlamaModel model, Adapter adapter, TrainConfig config, List<EncodedExample> train,
            List<EncodedExample> validation, int padId) {
        if (train.isEmpty()) {
            throw new IllegalArgumentException("no training examples (after encoding and truncation)");
        }
        this.model = model;
        this.adapter = adapter;
        this.config = config;
        this.train = List.copyOf(train);
        this.validation = List.copyOf(validation);
        this.padId = padId;
        this.params = new LinkedHashMap<>(adapter.trainableParameters());
        if (params.isEmpty()) {
            throw new IllegalArgumentException("the adapter has no trainable parameters");
        }
        for (String name : params.keySet()) {
            if (!Adapter.isAdapterParameter(name)) {
                throw new IllegalArgumentException("refusing to train " + name + ": not an adapter parameter");
            }
        }
        if (config.packing() && adapter.prefixLength() > 0) {
            throw new IllegalArgumentException("packing cannot be used with prefix tuning (the learned prefix precedes"
                    + " one sequence); train without packing");
        }
        this.stateManager = model.manager().newSubManager();
        this.optimizer = new AdamW(params, config.beta1(), config.beta2(), config.eps(), config.weightDecay(), stateManager);
    }

    public FineTuneLoop listener(ProgressListener l) {
        this.listener = l == null ? ProgressListener.NONE : l;
        return this;
    }

    public FineTuneLoop cancellation(CancellationToken token) {
        this.cancellation = token;
        return this;
    }

    /** Where {@code checkpoint-N} directories go (needed when {@code checkpointEvery > 0}). */
    public FineTuneLoop checkpointDir(Path root) {
        this.checkpointRoot = root;
        return this;
    }

    /** Trains from step 0. */
    public TrainResult run() {
        return loop(0, new DataLoader.Position(0, 0), new History());
    }

    /** Restores a checkpoint (adapter values, optimizer moments, step, data position) and trains on. */
    public TrainResult resume(Path checkpointDir) {
        GradMode.offOnThisThread();
        TrainState state = Checkpoint.readState(checkpointDir);
        state.checkCompatible(config, train.size(), null);
        Checkpoint.restoreTensors(checkpointDir, params, optimizer);
        return loop(state.globalStep(), state.position(), new History(state));
    }

    /** Per-update losses and accuracies and the validation passes, carried through checkpoints. */
    private static final class History {
        final List<Double> losses;
        final List<Double> accuracies;
        final List<TrainState.ValidationPoint> validations;

        History() {
            this.losses = new ArrayList<>();
            this.accuracies = new ArrayList<>();
            this.validations = new ArrayList<>();
        }

        History(TrainState state) {
            this.losses = new ArrayList<>(state.losses());
            this.accuracies = new ArrayList<>(state.accuracies());
            // a checkpoint from before accuracies were recorded: unknown for those steps
            while (accuracies.size() < losses.size()) {
                accuracies.add(0, null);
            }
            this.validations = new ArrayList<>(state.validations());
        }
    }

    private TrainResult loop(long startStep, DataLoader.Position position, History history) {
        List<Double> losses = history.losses;
        GradMode.offOnThisThread();
        if (config.checkpointEvery() > 0 && checkpointRoot == null) {
            throw new IllegalStateException("checkpointEvery is set but no checkpoint directory was given");
        }
        DataLoader loader = new DataLoader(train, config.batchSize(), config.seed(), config.shuffle());
        loader.seek(position);
        LrSchedule schedule = config.lrSchedule();
        boolean wasTraining = model.isTraining();
        long trainNanos = 0;
        long tokens = 0;
        Path lastCheckpoint = null;
        String status = TrainResult.COMPLETED;
        long step = startStep;
        try {
            while (step < config.maxSteps()) {
                if (cancellation.isCancelled()) {
                    status = TrainResult.CANCELLED;
                    // keep the work done so far: a cancelled run can be resumed from here
                    if (config.checkpointEvery() > 0 && step > startStep && step % config.checkpointEvery() != 0) {
                        lastCheckpoint = saveCheckpoint(step, loader.position(), history);
                    }
                    break;
                }
                double lr = config.learningRate() * schedule.factor(step);
                long t0 = System.nanoTime();
                model.setTraining(true);
                StepOutcome out = step(loader, step, lr);
                trainNanos += System.nanoTime() - t0;
                tokens += out.tokens;
                step++;
                losses.add(out.loss);
                history.accuracies.add(Double.isFinite(out.accuracy) ? out.accuracy : null);
                double tps = tokens / (trainNanos / 1e9);
                long stepsDone = step - startStep;
                Duration eta = Duration.ofNanos((long) ((double) trainNanos / stepsDone * (config.maxSteps() - step)));
                listener.onStep(new StepProgress(step, config.maxSteps(), out.loss, out.accuracy, lr, out.gradNorm, tps,
                        eta, loader.position().epoch()));
                if (config.evalEvery() > 0 && step % config.evalEvery() == 0 && step < config.maxSteps() && !validation.isEmpty()) {
                    history.validations.add(validatePoint(step));
                }
                if (config.checkpointEvery() > 0 && step % config.checkpointEvery() == 0) {
                    lastCheckpoint = saveCheckpoint(step, loader.position(), history);
                }
            }
            if (status.equals(TrainResult.COMPLETED) && !validation.isEmpty()) {
                history.validations.add(validatePoint(step));
            }
        } finally {
            model.setTraining(wasTraining);
        }
        double seconds = trainNanos / 1e9;
        return new TrainResult(status, step, config.maxSteps(), losses, history.accuracies, history.validations,
                seconds > 0 ? tokens / seconds : 0, tokens, seconds, lastCheckpoint);
    }

    /** @param accuracy mean token accuracy over the update's counted targets (NaN when none counted) */
    private record StepOutcome(double loss, double accuracy, double gradNorm, long tokens) {
    }

    private StepOutcome step(DataLoader loader, long step, double lr) {
        List<Batch> micro = new ArrayList<>(config.gradAccumulation());
        long targets = 0;
        long tokens = 0;
        for (int i = 0; i < config.gradAccumulation(); i++) {
            Batch b = config.packing() ? Batch.packed(loader.next(), padId) : new Batch(loader.next(), padId);
            micro.add(b);
            targets += b.targetTokens();
            tokens += b.tokens();
        }
        float denominator = (float) Math.max(1, targets);
        double nllSum = 0;
        CrossEntropy.TokenTally tally = new CrossEntropy.TokenTally();
        try (NDManager sm = model.manager().newSubManager()) {
            for (int i = 0; i < micro.size(); i++) {
                Batch b = micro.get(i);
                int rngSeed = rngSeed(config.seed(), step, i);
                Engine.getInstance().setRandomSeed(rngSeed);
                NDArray ids = b.idsArray(sm);                                  // (B, T) int64
                NDArray mask = b.maskArray(sm);                                // (B, T) 1 = token
                NDArray positions = b.isPacked() ? b.positionsArray(sm) : null;    // (B, T) per example, packed rows
                NDArray segments = b.isPacked() ? b.segmentsArray(sm) : null;
                if (model.layerwiseRecompute() || config.gradientCheckpointing()) { // one layer's graph (and widened weights) at a time
                    nllSum += LayerwiseBackward.runFromHidden(model, adapter, ids, mask, positions, segments,
                            hidden -> CrossEntropy.sumNllFromHidden(model, hidden, b.targets(), tally), 1f / denominator, rngSeed);
                    continue;
                }
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray hidden = b.isPacked()
                            ? model.hiddenStatesPacked(ids, positions, segments, adapter)  // (B, T, H)
                            : model.hiddenStates(ids, mask, null, adapter);                 // (B, T, H)
                    NDArray nll = CrossEntropy.sumNllFromHidden(model, hidden, b.targets(), tally); // (), LM head on counted rows
                    gc.backward(Ops.div(nll, denominator));
                    nllSum += nll.getFloat();
                }
            }
            Map<String, NDArray> grads = new LinkedHashMap<>();
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                NDArray g = e.getValue().getGradient();                        // a new wrapper each call: fetch once
                g.attach(sm);
                grads.put(e.getKey(), g);
            }
            double gradNorm = GradientClipping.clip(grads.values(), config.maxGradNorm());
            if (!Double.isFinite(nllSum) || !Double.isFinite(gradNorm)) {
                // never step on a NaN/inf gradient: it would turn every adapter value into NaN and save that
                throw new TrainingDivergedException(step + 1, "training diverged at step " + (step + 1) + ": the loss is "
                        + nllSum / denominator + " and the gradient norm " + gradNorm + " (not finite); the adapter keeps"
                        + " the values it had before this step. Lower the learning rate (now " + lr + ") or check the dataset");
            }
            optimizer.step(grads, lr, sm);
            for (NDArray g : grads.values()) {
                g.muli(0);                                                     // zero_grad: backward accumulates
            }
            return new StepOutcome(nllSum / denominator, tally.accuracy(), gradNorm, tokens);
        }
    }

    /** Seed for the engine RNG before micro-batch {@code micro} of update {@code step}. */
    static int rngSeed(long seed, long step, int micro) {
        long x = seed * 0x9E3779B97F4A7C15L + step * 0xBF58476D1CE4E5B9L + micro * 0x94D049BB133111EBL;
        x ^= x >>> 31;
        return (int) (x & 0x7FFFFFFF);
    }

    /** Mean token loss over the validation examples (eval mode, no gradients). */
    public double validate(long step) {
        return validation.isEmpty() ? Double.NaN : validatePoint(step).loss();
    }

    /** Mean token loss and accuracy over the validation examples (token-weighted), reported to the listener. */
    private TrainState.ValidationPoint validatePoint(long step) {
        TokenMetrics total = TokenMetrics.sum(TokenMetrics.perExample(model, adapter, validation, config.batchSize(), padId));
        double loss = total.loss();
        double accuracy = total.accuracy();
        listener.onValidation(step, loss, Math.exp(loss), accuracy);
        return new TrainState.ValidationPoint(step, loss, Double.isFinite(accuracy) ? accuracy : null);
    }

    private Path saveCheckpoint(long step, DataLoader.Position position, History history) {
        TrainState state = new TrainState(step, position.epoch(), position.offset(), config.seed(),
                List.copyOf(history.losses), config.maxSteps(), config.batchSize(), config.gradAccumulation(), train.size(),
                config.learningRate(), TrainState.RNG_SCHEME, history.accuracies, history.validations);
        Path dir = Checkpoint.save(checkpointRoot, adapter, params, optimizer, state);
        listener.onCheckpoint(step, dir);
        return dir;
    }

    /** The optimizer (for inspection and tests). */
    public AdamW optimizer() {
        return optimizer;
    }

    @Override
    public void close() {
        stateManager.close();
    }
}
