package dev.loraforge.engine.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.loraforge.engine.data.Batch;
import dev.loraforge.engine.data.DataLoader;
import dev.loraforge.engine.data.EncodedExample;
import dev.loraforge.engine.data.EncodedPreference;
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
import java.util.function.Function;

/**
 * DPO on a frozen {@link LlamaModel} with a LoRA adapter (TRL's {@code DPOTrainer}, {@code loss_type="sigmoid"}, a PEFT
 * model): the policy is the base with the adapter, the reference the same base with the adapter switched off, so no
 * second copy of the model exists. Each pair's reference log-probabilities are computed once, without gradients, the
 * first time the pair is seen (the first epoch's batches), and cached. Dropout is off in both, as TRL's
 * {@code disable_dropout=True} default; before the first update (LoRA B = 0) the policy therefore equals the reference
 * and every loss is ln 2.
 *
 * <p>A micro-batch of B pairs is one forward of 2B rows, the chosen sequences then the rejected ones (TRL's
 * {@code concatenated_forward}), padded on the right. An update's loss is the mean pair loss over its accumulation
 * window. The optimizer, schedule, clipping and the per-update sub-manager are those of {@link FineTuneLoop}; a
 * quantized base (or {@code gradientCheckpointing}) runs the layer-wise recomputing backward.
 *
 * <p>Checkpoints are {@link FineTuneLoop}'s ({@code checkpoint-N} with the adapter, the optimizer moments and
 * {@code trainer_state.json}); the state adds a {@link TrainState.DpoState}: beta, every update's metrics and the
 * reference log-probabilities cached so far, so a resumed run follows the uninterrupted one. A cancelled run with
 * checkpoints enabled saves one at the step it reached. Not supported: prefix adapters and packing.
 */
public final class DpoLoop implements AutoCloseable {

    private final LlamaModel model;
    private final Adapter adapter;
    private final TrainConfig config;
    private final DpoConfig dpo;
    private final List<EncodedPreference> train;
    private final int padId;
    private final Map<String, NDArray> params;
    private final NDManager stateManager;
    private final AdamW optimizer;
    private final double[][] reference; // per pair {chosen, rejected}, null until first seen
    private ProgressListener listener = ProgressListener.NONE;
    private CancellationToken cancellation = new CancellationToken();
    private Path checkpointRoot;

    public DpoLoop(LlamaModel model, Adapter adapter, TrainConfig config, DpoConfig dpo, List<EncodedPreference> train,
            int padId) {
        if (train.isEmpty()) {
            throw new IllegalArgumentException("no preference pairs to train on (after encoding and truncation)");
        }
        if (adapter.prefixLength() > 0 || !"LORA".equals(adapter.peftType())) {
            throw new IllegalArgumentException("DPO trains a LoRA adapter (method lora or qlora); " + adapter.peftType()
                    + " adapters are not supported with DPO");
        }
        if (config.packing()) {
            throw new IllegalArgumentException("packing is not supported with DPO; train without packing");
        }
        this.model = model;
        this.adapter = adapter;
        this.config = config;
        this.dpo = dpo;
        this.train = List.copyOf(train);
        this.padId = padId;
        this.params = new LinkedHashMap<>(adapter.trainableParameters());
        for (String name : params.keySet()) {
            if (!Adapter.isAdapterParameter(name)) {
                throw new IllegalArgumentException("refusing to train " + name + ": not an adapter parameter");
            }
        }
        this.reference = new double[train.size()][];
        this.stateManager = model.manager().newSubManager();
        this.optimizer = new AdamW(params, config.beta1(), config.beta2(), config.eps(), config.weightDecay(), stateManager);
    }

    public DpoLoop listener(ProgressListener l) {
        this.listener = l == null ? ProgressListener.NONE : l;
        return this;
    }

    public DpoLoop cancellation(CancellationToken token) {
        this.cancellation = token;
        return this;
    }

    /** Where {@code checkpoint-N} directories go (needed when {@code checkpointEvery > 0}). */
    public DpoLoop checkpointDir(Path root) {
        this.checkpointRoot = root;
        return this;
    }

    /**
     * A finished (or cancelled) run.
     *
     * @param history        the DPO metrics of each update's pairs (step 1 first; a resumed run's include the
     *                       checkpoint's)
     * @param lastCheckpoint the newest checkpoint this run wrote, or null
     */
    public record Result(String status, long steps, long totalSteps, List<DpoMetrics> history, double tokensPerSecond,
            long trainTokens, double seconds, Path lastCheckpoint) {

        public Result {
            history = List.copyOf(history);
        }

        /** Mean loss over the run's updates (the Trainer's {@code train_loss}). */
        public double trainLoss() {
            return history.stream().mapToDouble(DpoMetrics::loss).average().orElse(Double.NaN);
        }

        /**
         * {@code status}, {@code steps}, {@code total_steps}, {@code train_loss}, then the last update's metrics under
         * TRL's names ({@code loss}, {@code rewards/chosen}, ...), {@code tokens_per_second}, {@code train_tokens},
         * {@code time_seconds}, {@code checkpoint} (the newest this run wrote, or null).
         */
        public Map<String, Object> metrics() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("status", status);
            m.put("steps", steps);
            m.put("total_steps", totalSteps);
            m.put("train_loss", trainLoss());
            if (!history.isEmpty()) {
                m.putAll(history.get(history.size() - 1).toMap(""));
            }
            m.put("tokens_per_second", tokensPerSecond);
            m.put("train_tokens", trainTokens);
            m.put("time_seconds", seconds);
            m.put("checkpoint", lastCheckpoint == null ? null : lastCheckpoint.toString());
            return m;
        }
    }

    /** Trains {@code config.maxSteps()} updates (or until cancelled) from step 0. */
    public Result run() {
        return loop(0, 0, 0, new ArrayList<>());
    }

    /**
     * Restores a DPO checkpoint (adapter values, optimizer moments, step, data position, cached references, metrics)
     * and trains on. A supervised checkpoint, or one made with other settings (beta included), is refused.
     */
    public Result resume(Path checkpointDir) {
        GradMode.offOnThisThread();
        TrainState state = Checkpoint.readState(checkpointDir);
        state.checkCompatible(config, train.size(), dpo);
        Checkpoint.restoreTensors(checkpointDir, params, optimizer);
        for (int i = 0; i < reference.length; i++) {
            double[] r = state.dpo().reference().get(i);
            reference[i] = r == null ? null : r.clone();
        }
        return loop(state.globalStep(), state.dataEpoch(), state.dataOffset(), new ArrayList<>(state.dpo().history()));
    }

    private Result loop(long startStep, int startEpoch, int startOffset, List<DpoMetrics> history) {
        GradMode.offOnThisThread();
        if (config.checkpointEvery() > 0 && checkpointRoot == null) {
            throw new IllegalStateException("checkpointEvery is set but no checkpoint directory was given");
        }
        boolean wasTraining = model.isTraining();
        model.setTraining(false); // TRL's disable_dropout=True: policy and reference without dropout
        LrSchedule schedule = config.lrSchedule();
        int epoch = startEpoch;
        int offset = startOffset;
        int[] order = DataLoader.order(train.size(), config.seed(), config.shuffle(), epoch);
        long trainNanos = 0;
        long tokens = 0;
        long step = startStep;
        Path lastCheckpoint = null;
        String status = TrainResult.COMPLETED;
        try {
            while (step < config.maxSteps()) {
                if (cancellation.isCancelled()) {
                    status = TrainResult.CANCELLED;
                    // keep the work done so far: a cancelled run can be resumed from here
                    if (config.checkpointEvery() > 0 && step > startStep && step % config.checkpointEvery() != 0) {
                        lastCheckpoint = saveCheckpoint(step, epoch, offset, history);
                    }
                    break;
                }
                List<List<Integer>> micro = new ArrayList<>();
                for (int i = 0; i < config.gradAccumulation(); i++) {
                    List<Integer> batch = new ArrayList<>();
                    int end = Math.min(offset + config.batchSize(), train.size());
                    for (int k = offset; k < end; k++) {
                        batch.add(order[k]);
                    }
                    micro.add(batch);
                    offset = end;
                    if (offset == train.size()) {
                        epoch++;
                        offset = 0;
                        order = DataLoader.order(train.size(), config.seed(), config.shuffle(), epoch);
                    }
                }
                double lr = config.learningRate() * schedule.factor(step);
                long t0 = System.nanoTime();
                StepOutcome out = step(micro, step, lr);
                trainNanos += System.nanoTime() - t0;
                tokens += out.tokens;
                step++;
                history.add(out.metrics);
                double tps = tokens / (trainNanos / 1e9);
                Duration eta = Duration.ofNanos((long) ((double) trainNanos / (step - startStep) * (config.maxSteps() - step)));
                listener.onStep(new StepProgress(step, config.maxSteps(), out.metrics.loss(), out.metrics.rewardsAccuracies(),
                        lr, out.gradNorm, tps, eta, epoch));
                if (config.checkpointEvery() > 0 && step % config.checkpointEvery() == 0) {
                    lastCheckpoint = saveCheckpoint(step, epoch, offset, history);
                }
            }
        } finally {
            model.setTraining(wasTraining);
        }
        double seconds = trainNanos / 1e9;
        return new Result(status, step, config.maxSteps(), history, seconds > 0 ? tokens / seconds : 0, tokens, seconds,
                lastCheckpoint);
    }

    private Path saveCheckpoint(long step, int epoch, int offset, List<DpoMetrics> history) {
        List<double[]> cached = new ArrayList<>(reference.length);
        for (double[] r : reference) {
            cached.add(r == null ? null : r.clone());
        }
        List<Double> losses = history.stream().map(DpoMetrics::loss).toList();
        List<Double> accuracies = history.stream().map(DpoMetrics::rewardsAccuracies).toList();
        TrainState state = new TrainState(step, epoch, offset, config.seed(), losses, config.maxSteps(), config.batchSize(),
                config.gradAccumulation(), train.size(), config.learningRate(), TrainState.RNG_SCHEME, accuracies, List.of(),
                new TrainState.DpoState(dpo.beta(), history, cached));
        Path dir = Checkpoint.save(checkpointRoot, adapter, params, optimizer, state);
        listener.onCheckpoint(step, dir);
        return dir;
    }

    private record StepOutcome(DpoMetrics metrics, double gradNorm, long tokens) {
    }

    private StepOutcome step(List<List<Integer>> micro, long step, double lr) {
        int totalPairs = micro.stream().mapToInt(List::size).sum();
        float denominator = Math.max(1, totalPairs);
        List<DpoMetrics.PairLogps> scores = new ArrayList<>();
        long tokens = 0;
        double lossSum = 0;
        try (NDManager sm = model.manager().newSubManager()) {
            for (int i = 0; i < micro.size(); i++) {
                List<Integer> idx = micro.get(i);
                List<EncodedPreference> pairs = idx.stream().map(train::get).toList();
                Batch b = rows(pairs, padId);
                tokens += b.tokens();
                NDArray ids = b.idsArray(sm);                                    // (2B, T)
                NDArray mask = b.maskArray(sm);                                  // (2B, T)
                NDArray targets = b.targetsArray(sm);                            // (2B, T) response tokens only
                cacheReference(idx, pairs, ids, mask, targets);
                int n = pairs.size();
                float[] refC = new float[n];
                float[] refR = new float[n];
                for (int k = 0; k < n; k++) {
                    refC[k] = (float) reference[idx.get(k)][0];
                    refR[k] = (float) reference[idx.get(k)][1];
                }
                NDArray refChosen = sm.create(refC, new Shape(n));              // (B,)
                NDArray refRejected = sm.create(refR, new Shape(n));            // (B,)
                float[][] policy = new float[1][];
                Function<NDArray, NDArray> lossOfLogits = logits -> {
                    NDArray logps = DpoLoss.sequenceLogps(logits, targets);    // (2B,)
                    policy[0] = logps.toFloatArray();
                    NDArray chosen = logps.get(new NDIndex("0:{}", n));          // (B,)
                    NDArray rejected = logps.get(new NDIndex("{}:", n));         // (B,)
                    return DpoLoss.losses(chosen, rejected, refChosen, refRejected, dpo.beta()).sum();
                };
                int rngSeed = FineTuneLoop.rngSeed(config.seed(), step, i);
                Engine.getInstance().setRandomSeed(rngSeed);
                if (model.layerwiseRecompute() || config.gradientCheckpointing()) {
                    lossSum += LayerwiseBackward.run(model, adapter, ids, mask, lossOfLogits, 1f / denominator, rngSeed);
                } else {
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray loss = lossOfLogits.apply(model.forward(ids, mask, null, adapter)); // (2B, T, V) -> ()
                        gc.backward(Ops.div(loss, denominator));
                        lossSum += loss.getFloat();
                    }
                }
                for (int k = 0; k < n; k++) {
                    scores.add(new DpoMetrics.PairLogps(policy[0][k], policy[0][n + k], reference[idx.get(k)][0],
                            reference[idx.get(k)][1]));
                }
            }
            Map<String, NDArray> grads = new LinkedHashMap<>();
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                NDArray g = e.getValue().getGradient();
                g.attach(sm);
                grads.put(e.getKey(), g);
            }
            double gradNorm = GradientClipping.clip(grads.values(), config.maxGradNorm());
            if (!Double.isFinite(lossSum) || !Double.isFinite(gradNorm)) {
                throw new TrainingDivergedException(step + 1, "training diverged at step " + (step + 1) + ": the DPO loss is "
                        + lossSum / denominator + " and the gradient norm " + gradNorm + " (not finite); lower the learning"
                        + " rate (now " + lr + ") or beta (now " + dpo.beta() + ")");
            }
            optimizer.step(grads, lr, sm);
            for (NDArray g : grads.values()) {
                g.muli(0);
            }
            return new StepOutcome(DpoMetrics.of(scores, dpo.beta()), gradNorm, tokens);
        }
    }

    /** Reference log-probabilities of the pairs not seen yet: the base without the adapter, no gradients. */
    private void cacheReference(List<Integer> idx, List<EncodedPreference> pairs, NDArray ids, NDArray mask,
            NDArray targets) {
        List<Integer> missing = new ArrayList<>();
        for (int k = 0; k < idx.size(); k++) {
            if (reference[idx.get(k)] == null) {
                missing.add(k);
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        List<DpoMetrics.PairLogps> ref = missing.size() == idx.size()
                ? logps(model, null, ids, mask, targets, pairs.size())      // the same rows as the policy
                : score(model, null, missing.stream().map(pairs::get).toList(), missing.size(), padId);
        for (int m = 0; m < missing.size(); m++) {
            reference[idx.get(missing.get(m))] = new double[] {ref.get(m).policyChosen(), ref.get(m).policyRejected()};
        }
    }

    /** The pairs' cached reference log-probabilities {chosen, rejected} (null where not computed yet). */
    public double[] referenceLogps(int pair) {
        return reference[pair] == null ? null : reference[pair].clone();
    }

    /**
     * Policy (base + {@code adapterOrNull}) and reference (base) log-probabilities of each pair, without gradients and
     * without dropout: what {@code tune eval} reports and what a trained adapter is checked with.
     */
    public static List<DpoMetrics.PairLogps> evaluate(LlamaModel model, Adapter adapterOrNull, List<EncodedPreference> pairs,
            int batchSize, int padId) {
        List<DpoMetrics.PairLogps> policy = score(model, adapterOrNull, pairs, batchSize, padId);
        List<DpoMetrics.PairLogps> ref = adapterOrNull == null ? policy : score(model, null, pairs, batchSize, padId);
        List<DpoMetrics.PairLogps> out = new ArrayList<>(pairs.size());
        for (int i = 0; i < pairs.size(); i++) {
            out.add(new DpoMetrics.PairLogps(policy.get(i).policyChosen(), policy.get(i).policyRejected(),
                    ref.get(i).policyChosen(), ref.get(i).policyRejected()));
        }
        return out;
    }

    /** Summed response log-probabilities under base + adapterOrNull, as PairLogps with only the policy fields set. */
    private static List<DpoMetrics.PairLogps> score(LlamaModel model, Adapter adapterOrNull, List<EncodedPreference> pairs,
            int batchSize, int padId) {
        GradMode.offOnThisThread();
        boolean wasTraining = model.isTraining();
        model.setTraining(false);
        List<DpoMetrics.PairLogps> out = new ArrayList<>(pairs.size());
        try {
            for (int start = 0; start < pairs.size(); start += batchSize) {
                List<EncodedPreference> chunk = pairs.subList(start, Math.min(pairs.size(), start + batchSize));
                Batch b = rows(chunk, padId);
                try (NDManager sm = model.manager().newSubManager()) {
                    out.addAll(logps(model, adapterOrNull, b.idsArray(sm), b.maskArray(sm), b.targetsArray(sm), chunk.size()));
                }
            }
        } finally {
            model.setTraining(wasTraining);
        }
        return out;
    }

    private static List<DpoMetrics.PairLogps> logps(LlamaModel model, Adapter adapterOrNull, NDArray ids, NDArray mask,
            NDArray targets, int n) {
        float[] v = DpoLoss.sequenceLogps(model.forward(ids, mask, null, adapterOrNull), targets).toFloatArray(); // (2B,)
        List<DpoMetrics.PairLogps> out = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            out.add(new DpoMetrics.PairLogps(v[k], v[n + k], Double.NaN, Double.NaN));
        }
        return out;
    }

    /** B pairs as 2B rows: the chosen sequences, then the rejected ones (TRL's concatenated forward). */
    static Batch rows(List<EncodedPreference> pairs, int padId) {
        List<EncodedExample> rows = new ArrayList<>(2 * pairs.size());
        pairs.forEach(p -> rows.add(p.chosen()));
        pairs.forEach(p -> rows.add(p.rejected()));
        return new Batch(rows, padId);
    }

    public AdamW optimizer() {
        return optimizer;
    }

    @Override
    public void close() {
        stateManager.close();
    }
}
