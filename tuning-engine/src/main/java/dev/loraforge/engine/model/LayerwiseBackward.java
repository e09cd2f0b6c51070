package dev.loraforge.engine.model;

import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import java.util.List;
import java.util.function.Function;

/**
 * Forward and backward of one training micro-batch with per-decoder-layer recomputation (gradient
 * checkpointing at layer granularity), the way QLoRA trains on a quantized base:
 * <ol>
 * <li>forward without autograd, keeping only each layer's input (B, T, H); each layer's intermediates,
 *     dequantized weights included, are freed when the layer is done;</li>
 * <li>final norm, LM head and loss with autograd from the last layer's output: backward gives the
 *     gradient of that output;</li>
 * <li>from the last layer to the first: the layer runs again with autograd (dequantizing its weights
 *     again), {@code backward(sum(y * dL/dy))} accumulates the adapter parameters' gradients of that
 *     layer and yields dL/dx for the layer below; then the layer's graph and weights are freed.</li>
 * </ol>
 * So at most one layer's dequantized weights and activations graph are alive at once. The gradients
 * equal those of one autograd pass over the whole model (up to float summation order). Dropout stays
 * reproducible: the engine RNG is reseeded from (seed, layer) before a layer runs, in both passes.
 * Parameter gradients accumulate (as with {@code backward}); zeroing them is the caller's job.
 */
public final class LayerwiseBackward {

    private LayerwiseBackward() {
    }

    /**
     * @param ids          (B, T) token ids in the step's manager, where everything kept lives
     * @param attentionMask (B, T), 1 = token, or null
     * @param lossOfLogits logits (B, T, V) -> scalar loss
     * @param lossScale    factor on the loss before backward (e.g. 1 / tokens of the accumulation window)
     * @param seed         engine RNG seed of this micro-batch
     * @return the loss value (without {@code lossScale})
     */
    public static double run(LlamaModel model, Adapter adapter, NDArray ids, NDArray attentionMask,
            Function<NDArray, NDArray> lossOfLogits, float lossScale, int seed) {
        return runFromHidden(model, adapter, ids, attentionMask, hidden -> lossOfLogits.apply(model.lmHead(hidden)),
                lossScale, seed);
    }

    /**
     * As {@link #run}, with the loss computed from the final-norm hidden states (B, T, H), for losses that
     * apply the LM head themselves (e.g. only at counted positions).
     */
    public static double runFromHidden(LlamaModel model, Adapter adapter, NDArray ids, NDArray attentionMask,
            Function<NDArray, NDArray> lossOfHidden, float lossScale, int seed) {
        return runFromHidden(model, adapter, ids, attentionMask, null, null, lossOfHidden, lossScale, seed);
    }

    /**
     * As {@link #runFromHidden(LlamaModel, Adapter, NDArray, NDArray, Function, float, int)} for packed rows when
     * {@code positions} and {@code segments} are given (see {@link LlamaModel#hiddenStatesPacked}); the
     * attention mask is then not used.
     */
    public static double runFromHidden(LlamaModel model, Adapter adapter, NDArray ids, NDArray attentionMask,
            NDArray positions, NDArray segments, Function<NDArray, NDArray> lossOfHidden, float lossScale, int seed) {
        NDManager step = ids.getManager();
        NDArray ids64 = ids.getDataType() == DataType.INT64 ? ids : ids.toType(DataType.INT64, false);
        ForwardContext ctx = positions == null
                ? model.trainingContext(ids64, attentionMask, adapter)
                : model.packedContext(ids64, positions, segments, adapter);
        List<DecoderLayer> layers = model.layers();
        int count = layers.size();
        NDArray[] inputs = new NDArray[count + 1];          // inputs[l]: (B, T, H) entering layer l
        inputs[0] = model.embed(ids64);
        for (int l = 0; l < count; l++) {
            reseed(seed, l);
            inputs[l + 1] = forwardOnly(layers.get(l), inputs[l], ctx, step);
        }

        double loss;
        NDArray grad;                                         // dL/d inputs[l + 1], (B, T, H)
        try (NDManager sub = step.newSubManager()) {
            NDArray x = inputs[count];
            x.tempAttach(sub);
            x.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray value = lossOfHidden.apply(model.finalNorm(x));                // ()
                gc.backward(Ops.mul(value, lossScale));
                loss = value.getFloat();
            }
            grad = x.getGradient();
            grad.attach(step);
        }
        for (int l = count - 1; l >= 0; l--) {
            NDArray next = null;
            try (NDManager sub = step.newSubManager()) {
                NDArray x = inputs[l];
                x.tempAttach(sub);
                boolean inputGradient = l > 0;                // the embedding is frozen
                if (inputGradient) {
                    x.setRequiresGradient(true);
                }
                reseed(seed, l);
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray y = layers.get(l).forward(x, ctx);                  // (B, T, H), recomputed
                    backward(gc, y.mul(grad).sum(), inputGradient);
                }
                if (inputGradient) {
                    next = x.getGradient();
                    next.attach(step);
                }
            }
            grad.close();
            inputs[l + 1].close();
            grad = next;
        }
        return loss;
    }

    /**
     * Backpropagates {@code target}. Below the first layer only adapter parameters can need a gradient;
     * an adapter without parameters in layer 0 (a layer subset) leaves nothing to do there.
     */
    private static void backward(GradientCollector gc, NDArray target, boolean inputTracked) {
        try {
            gc.backward(target);
        } catch (EngineException e) {
            if (inputTracked || e.getMessage() == null || !e.getMessage().contains("does not require grad")) {
                throw e;
            }
        }
    }

    /** One layer without autograd; its intermediates are freed, its output kept in {@code step}. */
    private static NDArray forwardOnly(DecoderLayer layer, NDArray x, ForwardContext ctx, NDManager step) {
        try (NDManager sub = step.newSubManager()) {
            x.tempAttach(sub);
            NDArray y = layer.forward(x, ctx);
            y.attach(step);
            return y;
        }
    }

    private static void reseed(int seed, int layer) {
        long z = (seed + 0x9E3779B97F4A7C15L * (layer + 1)) ^ 0x5DEECE66DL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        Engine.getInstance().setRandomSeed((int) ((z ^ (z >>> 31)) & 0x7FFFFFFF));
    }
}
