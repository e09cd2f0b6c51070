package dev.loraforge.engine.train;

import dev.loraforge.engine.model.LlamaConfig;
import dev.loraforge.engine.model.WeightLayout;
import java.util.List;

/**
 * Model FLOPs of one training token with a frozen base and LoRA adapters (the count behind MFU):
 * <ul>
 *   <li>forward: 2 FLOPs per weight of every projection and of the LM head, plus attention scores and
 *       weighted values, 2 x 2 x T x (heads x head_dim) per layer (full T x T, as computed);</li>
 *   <li>backward: the same again for the input gradients (the frozen base needs no weight gradients),
 *       twice the forward attention work;</li>
 *   <li>LoRA: 2 r (in + out) per adapted projection forward, 3x that with its backward.</li>
 * </ul>
 * Norms, RoPE, softmax and the loss are left out (as is usual for MFU).
 */
public final class TrainingFlops {

    private TrainingFlops() {
    }

    public static double perToken(LlamaConfig c, int seqLen, int r, List<String> loraTargets) {
        double h = c.hiddenSize();
        double q = (double) c.numAttentionHeads() * c.headDim();
        double kv = (double) c.numKeyValueHeads() * c.headDim();
        double i = c.intermediateSize();
        double projections = h * q + 2 * h * kv + q * h + 3 * h * i;
        double matmulParams = c.numHiddenLayers() * projections + (double) c.vocabSize() * h;
        double attentionForward = c.numHiddenLayers() * 4.0 * seqLen * q;
        double lora = 0;
        for (String t : loraTargets) {
            long[] shape = WeightLayout.projectionShape(c, t);   // (out, in)
            double in = shape[1];
            double out = shape[0];
            lora += c.numHiddenLayers() * 2.0 * r * (in + out);
        }
        return 2 * matmulParams + 2 * matmulParams + 3 * attentionForward + 3 * lora;
    }
}
