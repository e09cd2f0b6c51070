package dev.loraforge.engine.quant;

import dev.loraforge.engine.model.LlamaModel;
import dev.loraforge.engine.model.QuantizedWeight;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The frozen base of a QLoRA run: a directory already quantized (by {@code tune quantize}, the
 * quant-service or transformers) loads as it is; a full-precision one is quantized in memory with
 * {@link #ON_THE_FLY} (NF4 with double quantization, QLoRA's recipe) while loading.
 */
public final class QloraBase {

    /** The scheme used when a full-precision base is quantized for QLoRA on the fly. */
    public static final QuantScheme ON_THE_FLY = QuantScheme.NF4_DQ;

    private QloraBase() {
    }

    /** The model for training: quantized on the fly when {@code quantize} and the directory is full precision. */
    public static LlamaModel load(Path modelDir, boolean quantize) {
        return load(modelDir, quantize, ai.djl.Device.cpu());
    }

    /** As {@link #load(Path, boolean)}, on {@code device}. */
    public static LlamaModel load(Path modelDir, boolean quantize, ai.djl.Device device) {
        if (!quantize || BnbQuantizationConfig.read(modelDir).isPresent()) {
            return LlamaModel.load(modelDir, device, true); // training: 16-bit projections stay 16-bit
        }
        return ModelQuantizer.loadQuantized(modelDir, ON_THE_FLY, device);
    }

    /** The scheme of a loaded model's quantized base ("nf4", "nf4-dq", "int8"), or empty for full precision. */
    public static Optional<String> schemeOf(LlamaModel model) {
        return model.quantizedWeights().values().stream().filter(QuantizedWeight::isQuantization)
                .map(QuantizedWeight::scheme).findFirst();
    }
}
