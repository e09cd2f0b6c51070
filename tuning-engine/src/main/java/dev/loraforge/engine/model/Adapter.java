package dev.loraforge.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import java.nio.file.Path;
import java.util.Map;

/**
 * A parameter-efficient adapter that {@link LlamaModel} consults while forwarding: LoRA adds a
 * low-rank term to projections, prefix tuning prepends learned keys and values. The base model
 * never changes; adapters are passed per call or attached.
 */
public interface Adapter extends AutoCloseable {

    /** PEFT's peft_type: "LORA" or "PREFIX_TUNING". */
    String peftType();

    /**
     * The trainable parameters keyed by the names PEFT saves them under, in a fixed order. They
     * require gradients; the optimizer's parameter set is exactly this map.
     */
    Map<String, NDArray> trainableParameters();

    /** Saves as a PEFT adapter directory (adapter_config.json, adapter_model.safetensors). */
    void save(Path adapterDir);

    /**
     * Called after each projection: {@code y} = W x (+ b) for {@code module} (e.g. "q_proj") of
     * {@code layer}; returns the adapted output. The result must live in {@code x}'s manager.
     */
    default NDArray adaptLinear(int layer, String module, NDArray x, NDArray y, boolean training) {
        return y;
    }

    /**
     * A LoRA term's factors, as {@link #adaptLinear} applies them: {@code y + scaling * B (A x)} with {@code a} (r, in)
     * and {@code b} (out, r).
     */
    record LowRank(NDArray a, NDArray b, double scaling) {
    }

    /**
     * The factors of {@code module}'s term in {@code layer} (null where the adapter has none there), so that a batch
     * of rows with different adapters can apply them all in one batched matmul; {@link #servesLowRank()} says whether
     * an adapter's whole effect is such terms.
     */
    default LowRank lowRank(int layer, String module) {
        return null;
    }

    /** True when {@link #adaptLinear} is exactly the {@link #lowRank} terms (LoRA at inference), false otherwise. */
    default boolean servesLowRank() {
        return false;
    }

    /** Number of learned key/value positions prepended in every layer (prefix tuning). */
    default int prefixLength() {
        return 0;
    }

    /**
     * Keys and values to prepend in {@code layer}, each (B, kvHeads, P, headDim), created in the
     * manager of {@code like} (an activation of batch size B); null when there is none.
     */
    default NDList keyValuePrefix(int layer, NDArray like) {
        return null;
    }

    /** Releases the adapter's parameters. */
    @Override
    void close();

    /**
     * The one rule that says whether a parameter name belongs to an adapter: LoRA matrices
     * ({@code .lora_A.}, {@code .lora_B.}) and prefix embeddings ({@code prompt_embeddings}).
     * Freezing, the optimizer's parameter set and adapter-only saving all use it.
     */
    static boolean isAdapterParameter(String key) {
        return key.contains(".lora_A.") || key.contains(".lora_B.") || key.equals("prompt_embeddings")
                || key.endsWith(".prompt_embeddings");
    }
}
