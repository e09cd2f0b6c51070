package dev.loraforge.quant.support;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.loraforge.events.DirectoryArchive;
import dev.loraforge.engine.model.LlamaModel;
import dev.loraforge.engine.quant.ModelQuantizer;
import dev.loraforge.engine.quant.QuantScheme;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a stored quantized model back with the engine, as a QLoRA trainer would. */
public final class EngineCheck {

    private EngineCheck() {
    }

    /**
     * Unpacks the blob, loads it with the engine's loader for quantized directories and checks that
     * its projections are quantized with {@code scheme} and that its logits equal those of the base
     * model quantized in memory with the same scheme.
     */
    public static void assertLoadsAsQuantizedVariant(Path blob, Path baseDir, String scheme) throws IOException {
        Path dir = TinyModels.scratch("quantized-blob").resolve("model");
        try (InputStream in = Files.newInputStream(blob)) {
            DirectoryArchive.extract(in, dir);
        }
        assertThat(dir.resolve("config.json")).content().contains("quantization_config");
        try (LlamaModel stored = LlamaModel.load(dir);
             LlamaModel reference = ModelQuantizer.loadQuantized(baseDir, QuantScheme.parse(scheme));
             NDManager m = NDManager.newBaseManager(stored.device(), "PyTorch")) {
            assertThat(stored.isQuantized()).isTrue();
            assertThat(stored.quantizedWeights()).hasSize(7 * stored.config().numHiddenLayers());
            assertThat(stored.quantizedWeights().values()).allMatch(w -> w.scheme().equals(scheme));
            NDArray ids = m.create(new long[] {1, 17, 42, 300, 7, 2}).reshape(1, 6);
            float[] logits = stored.forward(ids, null, null).toFloatArray();
            float[] expected = reference.forward(ids, null, null).toFloatArray();
            assertThat(logits).hasSize(6 * stored.config().vocabSize()).containsExactly(expected);
        }
    }
}
