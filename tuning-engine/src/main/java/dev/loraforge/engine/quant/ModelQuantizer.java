package dev.loraforge.engine.quant;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loraforge.engine.io.SafeDType;
import dev.loraforge.engine.io.SafeTensorsReader;
import dev.loraforge.engine.io.SafeTensorsShards;
import dev.loraforge.engine.io.SafeTensorsStreamFile;
import dev.loraforge.engine.io.TensorInfo;
import dev.loraforge.engine.model.HalfPrecisionWeight;
import dev.loraforge.engine.model.LlamaConfig;
import dev.loraforge.engine.model.LlamaModel;
import dev.loraforge.engine.model.QuantizedWeight;
import dev.loraforge.engine.model.WeightLayout;
import dev.loraforge.engine.model.WeightSet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Quantizes a Hugging Face model directory: every projection weight of the decoder layers (q, k, v, o,
 * gate, up, down) with the chosen {@link QuantScheme}; embeddings, norms, biases and the LM head stay as
 * they are (bytes copied unchanged). Two outputs:
 * <ul>
 * <li>{@link #quantize}: a model directory in the bitsandbytes layout transformers loads
 *     ({@link BnbLayout}, config.json with a {@link BnbQuantizationConfig}), tokenizer and generation
 *     files copied, with a {@link QuantizationReport}. The directory appears whole or not at all.</li>
 * <li>{@link #loadQuantized}: the same quantization done in memory, straight into a {@link LlamaModel}
 *     whose projections stay quantized (QLoRA on the fly); no float32 copy of them is made.</li>
 * </ul>
 * Source tensors are read one at a time; {@link #quantize} writes each as soon as it is quantized, so its
 * memory does not grow with the model.
 */
public final class ModelQuantizer {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelQuantizer() {
    }

    /** Quantizes {@code modelDir} into the new directory {@code outDir} (must not exist, or be empty). */
    public static QuantizationReport quantize(Path modelDir, QuantScheme scheme, Path outDir) {
        return quantize(modelDir, scheme, outDir, SafeTensorsShards.DEFAULT_MAX_SHARD_BYTES);
    }

    /**
     * As {@link #quantize(Path, QuantScheme, Path)}, in shards of at most {@code maxShardBytes} (one shard is
     * written as model.safetensors). Each tensor is written as soon as it is quantized (unquantized ones are
     * copied file to file), so memory holds one source tensor and its quantization, whatever the model's size.
     */
    public static QuantizationReport quantize(Path modelDir, QuantScheme scheme, Path outDir, long maxShardBytes) {
        long start = System.nanoTime();
        checkOutput(outDir);
        LlamaConfig config = sourceConfig(modelDir);
        Path partial = outDir.toAbsolutePath().resolveSibling("." + outDir.getFileName() + ".partial-" + UUID.randomUUID());
        long[] bytes = new long[2]; // data, stored
        Pass pass;
        try (SafeTensorsReader r = SafeTensorsReader.openModel(modelDir)) {
            Files.createDirectories(partial);
            try (ShardedOutput out = new ShardedOutput(partial, plan(r, config, scheme), maxShardBytes)) {
                pass = run(r, config, scheme, (name, info) -> out.file(name).putFrom(r, name), (name, q) -> {
                    bytes[0] += q.dataBytes();
                    SafeTensorsStreamFile f = out.file(name);
                    bytes[1] += q instanceof Nf4Tensor t ? BnbLayout.addNf4(f, name, t) : BnbLayout.addInt8(f, name, (Int8Tensor) q);
                });
                out.finish();
            }
            writeConfig(modelDir, partial, scheme);
            copyOtherFiles(modelDir, partial);
            if (Files.isDirectory(outDir)) {
                Files.delete(outDir); // checked empty above
            }
            Files.move(partial, outDir, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the quantized model to " + outDir + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(partial);
        }
        long after = weightFilesSize(outDir);
        return new QuantizationReport(scheme, config.parameterCount(), pass.errors.count(), pass.tensors, weightFilesSize(modelDir),
                after, bytes[0], bytes[1], pass.errors.meanAbs(), pass.errors.rms(), pass.errors.relative(),
                pass.errors.maxAbs(), (System.nanoTime() - start) / 1e9, pass.quantizeNanos / 1e9);
    }

    /** The output tensors of each source tensor of the layout, in the order {@link #run} visits them. */
    private static Map<String, List<SafeTensorsStreamFile.Slot>> plan(SafeTensorsReader r, LlamaConfig config, QuantScheme scheme) {
        Map<String, List<SafeTensorsStreamFile.Slot>> plan = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : WeightLayout.of(config).entrySet()) {
            String name = e.getKey();
            if (WeightLayout.isProjectionWeight(name)) {
                plan.put(name, BnbLayout.slots(name, e.getValue(), scheme));
            } else if (r.contains(name)) {
                TensorInfo info = r.info(name);
                plan.put(name, List.of(new SafeTensorsStreamFile.Slot(name, info.dtype(), info.shape())));
            } else {
                plan.put(name, List.of()); // reported as missing by run()
            }
        }
        return plan;
    }

    /** The quantized model's shard files, opened one after the other as the source tensors arrive in plan order. */
    private static final class ShardedOutput implements AutoCloseable {
        private final Path dir;
        private final List<String> sources;
        private final int[] shardOf;
        private final int count;
        private final Map<String, List<SafeTensorsStreamFile.Slot>> plan;
        private final Map<String, String> weightMap = new LinkedHashMap<>();
        private SafeTensorsStreamFile current;
        private int currentShard = -1;
        private long totalBytes;

        ShardedOutput(Path dir, Map<String, List<SafeTensorsStreamFile.Slot>> plan, long maxShardBytes) {
            this.dir = dir;
            this.plan = plan;
            this.sources = List.copyOf(plan.keySet());
            this.shardOf = SafeTensorsShards.plan(plan.values().stream()
                    .mapToLong(slots -> slots.stream().mapToLong(SafeTensorsStreamFile.Slot::byteLength).sum()).toArray(), maxShardBytes);
            this.count = shardOf.length == 0 ? 1 : shardOf[shardOf.length - 1] + 1;
        }

        /** The file that source tensor {@code name}'s outputs go to (the previous shard is finished when a new one starts). */
        SafeTensorsStreamFile file(String name) {
            int shard = shardOf[sources.indexOf(name)];
            if (shard != currentShard) {
                finishCurrent();
                List<SafeTensorsStreamFile.Slot> slots = new java.util.ArrayList<>();
                for (int i = 0; i < sources.size(); i++) {
                    if (shardOf[i] == shard) {
                        slots.addAll(plan.get(sources.get(i)));
                    }
                }
                Map<String, String> metadata = Map.of("format", "pt");
                current = SafeTensorsStreamFile.create(dir.resolve(SafeTensorsShards.fileName(shard, count)),
                        SafeTensorsStreamFile.headerBound(metadata, slots), metadata);
                currentShard = shard;
            }
            return current;
        }

        private void finishCurrent() {
            if (current == null) {
                return;
            }
            current.finish();
            String fileName = SafeTensorsShards.fileName(currentShard, count);
            current.names().forEach(n -> weightMap.put(n, fileName));
            totalBytes += current.dataBytes();
            current = null;
        }

        void finish() {
            finishCurrent();
            if (currentShard != count - 1) {
                throw new IllegalStateException("wrote " + (currentShard + 1) + " of " + count + " planned shards");
            }
            if (count > 1) {
                SafeTensorsShards.writeIndex(dir, totalBytes, weightMap);
            }
        }

        @Override
        public void close() {
            if (current != null) {
                current.close();
            }
        }
    }

    /**
     * Loads {@code modelDir} on the CPU with its projections quantized in memory with {@code scheme}, for training:
     * a 16-bit embedding and LM head stay 16-bit, the other weights become float32.
     */
    public static LlamaModel loadQuantized(Path modelDir, QuantScheme scheme) {
        return loadQuantized(modelDir, scheme, Device.cpu());
    }

    /** As {@link #loadQuantized(Path, QuantScheme)}, with the model's arrays on {@code device}. */
    public static LlamaModel loadQuantized(Path modelDir, QuantScheme scheme, Device device) {
        LlamaConfig config = sourceConfig(modelDir);
        NDManager manager = NDManager.newBaseManager(device, "PyTorch");
        try (SafeTensorsReader r = SafeTensorsReader.openModel(modelDir)) {
            CodeTables tables = new CodeTables(manager);
            Map<String, NDArray> dense = new LinkedHashMap<>();
            Map<String, QuantizedWeight> quantized = new LinkedHashMap<>();
            run(r, config, scheme, (name, info) -> {
                if (WeightLayout.isKeptInStoredPrecision(name) && HalfPrecisionWeight.holds(info.dtype())) {
                    quantized.put(name, HalfPrecisionWeight.read(r, name, manager)); // embedding / LM head: 16-bit kept
                } else {
                    dense.put(name, r.readFloat32(name, manager));
                }
            }, (name, q) -> quantized.put(name,
                    q instanceof Nf4Tensor t ? Nf4Weight.create(t, Nf4Code.values(), manager, tables) : new Int8Weight((Int8Tensor) q, manager)));
            return LlamaModel.fromWeightSet(config, new WeightSet(dense, quantized), manager, modelDir);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** Quantizes one weight as the scheme does (row-major values of {@code shape}, stored as {@code dtype}). */
    public static QuantizedTensor quantizeTensor(float[] values, long[] shape, SafeDType dtype, QuantScheme scheme) {
        return switch (scheme) {
            case NF4, NF4_DQ -> Nf4Quantizer.quantize(values, shape, torchDtype(dtype), scheme == QuantScheme.NF4_DQ);
            case INT8 -> Int8Quantizer.quantize(values, shape);
        };
    }

    private interface DenseSink {
        void accept(String name, TensorInfo info);
    }

    private interface QuantizedSink {
        void accept(String name, QuantizedTensor quantized);
    }

    private static final class Pass {
        final ErrorStats errors = new ErrorStats();
        long quantizeNanos;
        int tensors;
    }

    /** Checks the file against config.json and hands every tensor of the layout to a sink, quantizing projections. */
    private static Pass run(SafeTensorsReader r, LlamaConfig config, QuantScheme scheme, DenseSink dense, QuantizedSink quantized) {
        Map<String, long[]> layout = WeightLayout.of(config);
        for (String name : r.names()) {
            if (!layout.containsKey(name) && !WeightLayout.isIgnorable(name, config)) {
                throw new IllegalArgumentException("unexpected tensor '" + name + "' for " + config.modelType()
                        + " with this config.json (attention_bias / mlp_bias / tie_word_embeddings / num_hidden_layers"
                        + " may disagree with the weights)");
            }
        }
        Pass pass = new Pass();
        for (Map.Entry<String, long[]> e : layout.entrySet()) {
            String name = e.getKey();
            if (!r.contains(name)) {
                throw new IllegalArgumentException("tensor '" + name + "' is missing from the weights");
            }
            TensorInfo info = r.info(name);
            if (!Arrays.equals(info.shape(), e.getValue())) {
                throw new IllegalArgumentException("tensor '" + name + "' has shape " + Arrays.toString(info.shape())
                        + " but config.json implies " + Arrays.toString(e.getValue()));
            }
            if (!WeightLayout.isProjectionWeight(name)) {
                dense.accept(name, info);
                continue;
            }
            float[] values = r.readFloats(name);
            long t0 = System.nanoTime();
            QuantizedTensor q = quantizeTensor(values, info.shape(), info.dtype(), scheme);
            pass.quantizeNanos += System.nanoTime() - t0;
            pass.errors.add(values, q.dequantize());
            pass.tensors++;
            quantized.accept(name, q);
        }
        return pass;
    }

    /** The torch dtype name bitsandbytes records for a weight of this safetensors type. */
    static String torchDtype(SafeDType t) {
        return switch (t) {
            case F32 -> "float32";
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            default -> throw new IllegalArgumentException(t + " weights cannot be quantized; bitsandbytes takes float32,"
                    + " float16 or bfloat16");
        };
    }

    private static LlamaConfig sourceConfig(Path modelDir) {
        if (!Files.isRegularFile(modelDir.resolve("config.json"))) {
            throw new IllegalArgumentException(modelDir + " has no config.json: not a model directory");
        }
        if (BnbQuantizationConfig.read(modelDir).isPresent()) {
            throw new IllegalArgumentException(modelDir + " is already quantized (config.json has a quantization_config);"
                    + " quantize the full-precision model");
        }
        return LlamaConfig.load(modelDir);
    }

    private static void checkOutput(Path outDir) {
        if (Files.exists(outDir)) {
            boolean empty;
            try (Stream<Path> s = Files.list(outDir)) {
                empty = s.findAny().isEmpty();
            } catch (IOException e) {
                throw new IllegalArgumentException(outDir + " exists and is not a readable directory", e);
            }
            if (!empty) {
                throw new IllegalArgumentException(outDir + " already exists and is not empty; choose a new output directory");
            }
        }
    }

    /** The source config.json with a quantization_config added (other fields kept as they are). */
    private static void writeConfig(Path modelDir, Path outDir, QuantScheme scheme) throws IOException {
        ObjectNode config = (ObjectNode) JSON.readTree(modelDir.resolve("config.json").toFile());
        config.set("quantization_config", BnbQuantizationConfig.of(scheme).toJson());
        Files.writeString(outDir.resolve("config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config) + "\n");
    }

    /** Tokenizer, generation config and other small files: everything but config.json and weight files. */
    private static void copyOtherFiles(Path modelDir, Path outDir) throws IOException {
        try (Stream<Path> files = Files.list(modelDir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String n = f.getFileName().toString();
                boolean weights = n.endsWith(".safetensors") || n.endsWith(".bin") || n.endsWith(".pt") || n.endsWith(".pth")
                        || n.endsWith(".gguf") || n.equals("model.safetensors.index.json") || n.equals("pytorch_model.bin.index.json");
                if (Files.isRegularFile(f) && !weights && !n.equals("config.json")) {
                    Files.copy(f, outDir.resolve(n), StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    /** Bytes of a model directory's weight files (model.safetensors or its shards). */
    public static long weightFilesSize(Path modelDir) {
        try (Stream<Path> files = Files.list(modelDir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".safetensors")).mapToLong(ModelQuantizer::size).sum();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + modelDir, e);
        }
    }

    private static long size(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the size of " + f, e);
        }
    }

    private static void deleteQuietly(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a leftover hidden partial directory is harmless; the output never appears half-written
        }
    }
}
