package dev.loraforge.engine.model;

import ai.djl.ndarray.NDArray;
import dev.loraforge.engine.io.SafeDType;
import dev.loraforge.engine.io.SafeTensorsWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Writes a Hugging Face model directory: config.json, generation_config.json and
 * model.safetensors with the checkpoint names of {@link WeightLayout} ({@code format: pt} metadata,
 * as transformers' save_pretrained writes it).
 */
public final class ModelWriter {

    private ModelWriter() {
    }

    /** Writes {@code hfWeights} (every name of the layout, any float type) stored as {@code dtype}. */
    public static void write(Path dir, LlamaConfig config, Map<String, NDArray> hfWeights, SafeDType dtype) {
        writeFiles(dir, config, weightsWriter(config, hfWeights, dtype));
    }

    /** Writes only {@code dir/model.safetensors} (config and tokenizer files are the caller's). */
    public static void writeWeights(Path dir, LlamaConfig config, Map<String, NDArray> hfWeights, SafeDType dtype) {
        weightsWriter(config, hfWeights, dtype).write(dir.resolve("model.safetensors"));
    }

    private static SafeTensorsWriter weightsWriter(LlamaConfig config, Map<String, NDArray> hfWeights, SafeDType dtype) {
        SafeTensorsWriter writer = new SafeTensorsWriter().metadata("format", "pt");
        for (Map.Entry<String, long[]> e : WeightLayout.of(config).entrySet()) {
            NDArray w = hfWeights.get(e.getKey());
            if (w == null) {
                throw new IllegalArgumentException("weight '" + e.getKey() + "' is missing");
            }
            if (!Arrays.equals(w.getShape().getShape(), e.getValue())) {
                throw new IllegalArgumentException("weight '" + e.getKey() + "' has shape " + w.getShape()
                        + ", expected " + Arrays.toString(e.getValue()));
            }
            writer.add(e.getKey(), w, dtype);
        }
        return writer;
    }

    static void writeFiles(Path dir, LlamaConfig config, SafeTensorsWriter writer) {
        writeFiles(dir, config, writer, "model.safetensors");
    }

    static void writeFiles(Path dir, LlamaConfig config, SafeTensorsWriter writer, String weightsFile) {
        try {
            Files.createDirectories(dir);
            config.write(dir);
            Files.writeString(dir.resolve("generation_config.json"), GenerationDefaults.json(config));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write model files in " + dir, e);
        }
        writer.write(dir.resolve(weightsFile));
    }

    /** The safetensors type for config.json's torch_dtype. */
    public static SafeDType dtypeOf(LlamaConfig config) {
        return switch (config.torchDtype()) {
            case "float16" -> SafeDType.F16;
            case "bfloat16" -> SafeDType.BF16;
            default -> SafeDType.F32;
        };
    }
}
