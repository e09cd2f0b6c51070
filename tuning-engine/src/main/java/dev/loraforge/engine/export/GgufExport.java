package dev.loraforge.engine.export;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loraforge.engine.export.GgufTensors.Planned;
import dev.loraforge.engine.io.SafeTensorsReader;
import dev.loraforge.engine.model.LlamaConfig;
import dev.loraforge.engine.model.RopeScaling;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Set;

/**
 * A Hugging Face model directory (config.json, model.safetensors or shards with their index, tokenizer.json,
 * tokenizer_config.json) as one GGUF v3 file that llama.cpp loads, written as {@code convert_hf_to_gguf.py --outtype
 * f16} writes it: file type MOSTLY_F16, llama.cpp's metadata keys, tensor names and tokenizer ({@link GgufVocab},
 * {@link GgufTensors}). Families: {@code llama} and {@code mistral} (architecture "llama", q/k permuted) and
 * {@code qwen2} (architecture "qwen2", NEOX RoPE, not permuted). One tensor slice is in memory at a time, so an 8B
 * model needs a few hundred MB of heap. The file appears complete or not at all (written beside it, then moved).
 */
public final class GgufExport {

    /** model_type values this export writes. */
    public static final Set<String> FAMILIES = Set.of("llama", "mistral", "qwen2");
    /** llama.cpp's LLAMA_FTYPE_MOSTLY_F16. */
    static final int FILE_TYPE_MOSTLY_F16 = 1;
    /** ggml's GGML_QNT_VERSION, written by every converter. */
    static final int QUANTIZATION_VERSION = 2;

    /**
     * What was written.
     *
     * @param file the GGUF file
     * @param architecture general.architecture: "llama" or "qwen2"
     * @param tensors number of tensors
     * @param bytes file size
     */
    public record Result(Path file, String architecture, int tensors, long bytes) {
    }

    private GgufExport() {
    }

    /**
     * Writes {@code modelDir} as the GGUF file {@code outFile} with {@code general.name} {@code name} (the directory's
     * name when null). Refused with an {@link IllegalArgumentException} naming the reason: another family, a quantized
     * checkpoint, a tokenizer that is not byte-level BPE, llama3 rope scaling on qwen2, a value beyond float16.
     */
    public static Result write(Path modelDir, Path outFile, String name) {
        Path configFile = modelDir.resolve("config.json");
        if (!Files.isRegularFile(configFile)) {
            throw new IllegalArgumentException("no config.json in " + modelDir + ": GGUF export needs a Hugging Face model directory");
        }
        JsonNode raw = GgufVocab.readJson(configFile);
        String type = raw.path("model_type").asText("");
        if (!FAMILIES.contains(type)) {
            throw new IllegalArgumentException("GGUF export supports model_type llama, mistral and qwen2; " + configFile
                    + " has '" + type + "': use the merged safetensors export (--format merged) instead");
        }
        if (raw.hasNonNull("quantization_config")) {
            JsonNode q = raw.get("quantization_config");
            throw new IllegalArgumentException(modelDir + " is a quantized checkpoint (quantization_config quant_method '"
                    + q.path("quant_method").asText("?") + "'" + (q.has("bnb_4bit_quant_type") ? ", "
                    + q.get("bnb_4bit_quant_type").asText() : "") + "): GGUF export needs float weights; use the merged"
                    + " safetensors export (--format merged with the adapter, which dequantizes) or the original base instead");
        }
        LlamaConfig c = LlamaConfig.load(modelDir);
        String arch = type.equals("qwen2") ? "qwen2" : "llama";
        RopeScaling rope = c.ropeScaling();
        if (rope != null && rope.type().equals("llama3") && !arch.equals("llama")) {
            throw new IllegalArgumentException(configFile + ": rope_scaling llama3 on " + type + " has no GGUF form in"
                    + " llama.cpp; use the merged safetensors export (--format merged) instead");
        }
        GgufVocab vocab = GgufVocab.read(modelDir, c.vocabSize(), raw);
        String modelName = name != null && !name.isBlank() ? name : modelDir.toAbsolutePath().normalize().getFileName().toString();

        Path partial = outFile.resolveSibling(outFile.getFileName() + ".partial");
        try (SafeTensorsReader reader = SafeTensorsReader.openModel(modelDir)) {
            List<Planned> plan = GgufTensors.plan(c, reader, modelDir, arch.equals("llama"));
            createParent(outFile);
            long bytes;
            try (GgufWriter w = new GgufWriter(partial)) {
                metadata(w, c, arch, modelName, raw);
                vocab.writeTo(w, arch.equals("llama"));
                plan.forEach(p -> w.addTensor(p.name(), p.shape(), p.type()));
                w.writeHeader();
                for (Planned p : plan) {
                    GgufTensors.write(p, reader, w);
                }
                bytes = w.position();
            }
            move(partial, outFile);
            return new Result(outFile, arch, plan.size(), bytes);
        } catch (RuntimeException e) {
            try {
                Files.deleteIfExists(partial);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** The general and architecture keys ({@code TextModel.set_gguf_parameters} and the llama/qwen2 additions). */
    private static void metadata(GgufWriter w, LlamaConfig c, String arch, String name, JsonNode raw) {
        w.putString("general.architecture", arch);
        w.putString("general.type", "model");
        w.putString("general.name", name);
        w.putUInt32("general.alignment", GgufWriter.ALIGNMENT);
        w.putUInt32(arch + ".block_count", c.numHiddenLayers());
        w.putUInt32(arch + ".context_length", c.maxPositionEmbeddings());
        w.putUInt32(arch + ".embedding_length", c.hiddenSize());
        w.putUInt32(arch + ".feed_forward_length", c.intermediateSize());
        w.putUInt32(arch + ".attention.head_count", c.numAttentionHeads());
        w.putUInt32(arch + ".attention.head_count_kv", c.numKeyValueHeads());
        RopeScaling rope = c.ropeScaling();
        if (rope != null && rope.type().equals("linear")) {
            w.putString(arch + ".rope.scaling.type", "linear");
            w.putFloat32(arch + ".rope.scaling.factor", (float) rope.factor());
        }
        w.putFloat32(arch + ".rope.freq_base", (float) c.ropeTheta());
        w.putFloat32(arch + ".attention.layer_norm_rms_epsilon", (float) c.rmsNormEps());
        // transformers' LlamaConfig/MistralConfig always carry head_dim (the converter reads the filled-in config)
        if (arch.equals("llama") || raw.hasNonNull("head_dim")) {
            w.putUInt32(arch + ".attention.key_length", c.headDim());
            w.putUInt32(arch + ".attention.value_length", c.headDim());
        }
        w.putUInt32("general.file_type", FILE_TYPE_MOSTLY_F16);
        if (arch.equals("llama")) {
            w.putUInt32(arch + ".vocab_size", c.vocabSize());
            w.putUInt32(arch + ".rope.dimension_count", c.headDim());
        }
        w.putUInt32("general.quantization_version", QUANTIZATION_VERSION);
    }

    private static void createParent(Path outFile) {
        Path parent = outFile.toAbsolutePath().getParent();
        try {
            Files.createDirectories(parent);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + parent, e);
        }
        if (Files.isDirectory(outFile)) {
            throw new IllegalArgumentException(outFile + " is a directory; give the path of the .gguf file to write");
        }
    }

    private static void move(Path from, Path to) {
        try {
            try {
                Files.move(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move " + from + " to " + to, e);
        }
    }
}
