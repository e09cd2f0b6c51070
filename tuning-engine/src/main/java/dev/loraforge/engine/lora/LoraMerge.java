package dev.loraforge.engine.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.loraforge.engine.model.LlamaConfig;
import dev.loraforge.engine.model.LlamaModel;
import dev.loraforge.engine.model.ModelWriter;
import dev.loraforge.engine.model.WeightLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Folds a LoRA adapter into the base weights, {@code W' = W + scaling * B A} (LoRA paper section
 * 4.1: no extra inference latency), and writes a complete Hugging Face model directory. A merged
 * weight with NaN or infinity is refused.
 */
public final class LoraMerge {

    private LoraMerge() {
    }

    /** Loads both directories, merges and writes {@code outDir}. */
    public static void merge(Path baseDir, Path adapterDir, Path outDir) {
        try (LlamaModel model = LlamaModel.load(baseDir);
             LoraAdapter adapter = LoraAdapter.load(model, adapterDir)) {
            merge(model, adapter, outDir);
        }
    }

    /**
     * Writes the merged model into {@code outDir}: model.safetensors in the base's torch_dtype, and
     * the base directory's other files (config, tokenizer, generation config) copied unchanged.
     */
    public static void merge(LlamaModel model, LoraAdapter adapter, Path outDir) {
        if (adapter.model() != model) {
            throw new IllegalArgumentException("the adapter was loaded for a different model instance");
        }
        LlamaConfig c = model.config();
        try (NDManager scratch = model.manager().newSubManager()) {
            Map<String, NDArray> merged = new LinkedHashMap<>(model.weights());
            // a quantized base merges in full precision (its dequantized weights), as PEFT merges into a dequantized base
            model.quantizedWeights().forEach((name, q) -> merged.put(name, q.dequantize(scratch)));
            for (int l = 0; l < c.numHiddenLayers(); l++) {
                for (String proj : WeightLayout.ALL_PROJECTIONS) {
                    LoraAdapter.Pair p = adapter.pair(l, proj);
                    if (p == null) {
                        continue;
                    }
                    String name = WeightLayout.modulePath(l, proj) + ".weight";
                    NDArray delta = p.b().matMul(p.a());                              // (out, r) @ (r, in) = (out, in)
                    delta.attach(scratch);
                    NDArray w = delta.mul(p.scaling()).add(merged.get(name));          // (out, in)
                    if (w.isNaN().any().getBoolean() || w.isInfinite().any().getBoolean()) {
                        throw new IllegalStateException("merging " + name + " produced NaN or infinity; the adapter is"
                                + " corrupt or diverged, nothing was written");
                    }
                    merged.put(name, w);
                }
            }
            copyBaseFiles(model.directory(), outDir);
            if (model.directory() == null) {
                ModelWriter.write(outDir, c, merged, ModelWriter.dtypeOf(c));
            } else {
                ModelWriter.writeWeights(outDir, c, merged, ModelWriter.dtypeOf(c));
                if (model.isQuantized()) {
                    c.write(outDir); // the copied config.json describes the quantized base: rewrite it without quantization_config
                }
            }
        }
    }

    private static void copyBaseFiles(Path baseDir, Path outDir) {
        try {
            Files.createDirectories(outDir);
            if (baseDir == null) {
                return;
            }
            try (Stream<Path> files = Files.list(baseDir)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    String n = f.getFileName().toString();
                    boolean weights = n.endsWith(".safetensors") || n.endsWith(".bin") || n.endsWith(".pt")
                            || List.of("model.safetensors.index.json", "pytorch_model.bin.index.json").contains(n);
                    if (!weights) {
                        Files.copy(f, outDir.resolve(n), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy model files from " + baseDir + " to " + outDir, e);
        }
    }
}
