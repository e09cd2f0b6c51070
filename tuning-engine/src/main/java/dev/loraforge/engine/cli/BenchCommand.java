package dev.loraforge.engine.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loraforge.engine.data.EncodedExample;
import dev.loraforge.engine.fixtures.TinyModelGenerator;
import dev.loraforge.engine.lora.LoraAdapter;
import dev.loraforge.engine.lora.LoraConfig;
import dev.loraforge.engine.model.LlamaModel;
import dev.loraforge.engine.quant.BnbQuantizationConfig;
import dev.loraforge.engine.quant.ModelQuantizer;
import dev.loraforge.engine.quant.QloraBase;
import dev.loraforge.engine.train.FineTuneLoop;
import dev.loraforge.engine.train.ProgressListener;
import dev.loraforge.engine.train.StepProgress;
import dev.loraforge.engine.train.TrainConfig;
import dev.loraforge.engine.train.TrainingFlops;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Measures training throughput of the real {@link FineTuneLoop} on a generated preset (full-length
 * random sequences, so every position is a real token) and the fp32 matmul rate through DJL, and
 * reports model FLOPs utilisation. A measurement tool, not a test.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure LoRA or QLoRA training tokens/s, peak RSS, the fp32 matmul rate and MFU.")
final class BenchCommand implements Callable<Integer> {

    @Option(names = "--preset", defaultValue = "small", paramLabel = "NAME", description = "Model preset (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--seq-len", defaultValue = "128", paramLabel = "N")
    int seqLen;

    @Option(names = "--batch", defaultValue = "4", paramLabel = "N")
    int batch;

    @Option(names = "--r", defaultValue = "8", paramLabel = "N")
    int r;

    @Option(names = "--targets", defaultValue = "q_proj,v_proj", split = ",", paramLabel = "LIST")
    List<String> targets;

    @Option(names = "--steps", defaultValue = "20", paramLabel = "N", description = "Measured updates (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--warmup-steps", defaultValue = "3", paramLabel = "N", description = "Unmeasured first updates (default: ${DEFAULT-VALUE}).")
    int warmupSteps;

    @Option(names = "--matmul", defaultValue = "2048", paramLabel = "N", description = "Size of the N^3 matmul probe, 0 = skip (default: ${DEFAULT-VALUE}).")
    int matmul;

    @Option(names = "--model", paramLabel = "DIR", description = "Train this model directory instead of a generated preset:"
            + " a 16-bit or float32 one (lora, or qlora quantizing it on the fly) or one written by `tune quantize` (qlora).")
    Path modelDir;

    @Option(names = "--method", paramLabel = "lora|qlora",
            description = "qlora: the base's projections held in NF4 with double quantization (default: qlora for a quantized"
                    + " --model, lora otherwise).")
    String method;

    @Option(names = "--recompute", description = "Layer-wise recomputation in the backward pass for lora too (qlora always uses it).")
    boolean recompute;

    @Option(names = "--float32-base", description = "lora: widen a bf16/fp16 base to float32 at load (the serving load)"
            + " instead of keeping its projections 16-bit.")
    boolean float32Base;

    @Mixin
    EngineOptions engine;

    @Override
    public Integer call() throws Exception {
        Map<String, Object> out = new LinkedHashMap<>();
        if (modelDir != null) {
            out.put("model", modelDir.toString());
        } else {
            out.put("preset", preset);
        }
        out.put("threads", System.getProperty("ai.djl.pytorch.num_threads", "default"));
        ai.djl.Device device = engine.device();
        out.put("device", dev.loraforge.engine.model.DeviceSpec.name(device));
        boolean quantizedModel = modelDir != null && BnbQuantizationConfig.read(modelDir).isPresent();
        if (method == null) {
            method = quantizedModel ? "qlora" : "lora";
        }
        boolean qlora = switch (method) {
            case "lora" -> false;
            case "qlora" -> true;
            default -> throw new IllegalArgumentException("--method " + method + " is not known; use lora or qlora");
        };
        if (quantizedModel && !qlora) {
            throw new IllegalArgumentException(modelDir + " is quantized (config.json has a quantization_config): use --method qlora,"
                    + " or give the full-precision model for lora");
        }
        Path dir = modelDir != null ? modelDir : Files.createTempDirectory("tune-bench-");
        try {
            if (modelDir == null) {
                TinyModelGenerator.write(TinyModelGenerator.Preset.parse(preset), dir, 0);
                System.gc(); // the peak should be the training's, not the writing of the random model
            }
            out.put("peak_rss_scope", ProcessMemory.resetPeak() ? "load and train" : "whole process");
            long loadStart = System.nanoTime();
            try (LlamaModel model = qlora && !quantizedModel ? ModelQuantizer.loadQuantized(dir, QloraBase.ON_THE_FLY, device)
                    : LlamaModel.load(dir, device, !float32Base)) {
                out.put("load_seconds", Math.round((System.nanoTime() - loadStart) / 1e8) / 10.0);
                if (recompute) {
                    model.setLayerwiseRecompute(true);
                }
                LoraConfig loraConfig = LoraConfig.of(r, 2 * r, 0.0, targets);
                List<EncodedExample> data = randomExamples(model.config().vocabSize(), batch * (steps + warmupSteps));
                TrainConfig config = TrainConfig.builder().learningRate(1e-4).maxSteps(steps + warmupSteps).batchSize(batch)
                        .shuffle(false).seed(0).build();
                long[] marks = new long[2];
                long[] peakDevice = new long[1]; // device memory in use (driver's count), sampled after every step
                try (LoraAdapter lora = LoraAdapter.create(model, loraConfig, 0);
                        FineTuneLoop loop = new FineTuneLoop(model, lora, config, data, List.of(), 0)) {
                    loop.listener(new ProgressListener() {
                        @Override
                        public void onStep(StepProgress p) {
                            if (device.isGpu()) {
                                peakDevice[0] = Math.max(peakDevice[0], ai.djl.util.cuda.CudaUtils.getGpuMemory(device).getUsed());
                            }
                            if (p.step() == warmupSteps) {
                                marks[0] = System.nanoTime();
                            }
                            if (p.step() == warmupSteps + steps) {
                                marks[1] = System.nanoTime();
                            }
                        }
                    });
                    if (warmupSteps == 0) {
                        marks[0] = System.nanoTime();
                    }
                    loop.run();
                }
                long peakRss = ProcessMemory.peakRssBytes(); // before the matmul probe allocates its own arrays
                long baseBytes = model.weights().values().stream().mapToLong(a -> a.size() * a.getDataType().getNumOfBytes()).sum()
                        + model.quantizedWeights().values().stream().mapToLong(w -> w.residentBytes()).sum();
                // after training: a big matmul first can leave the allocator and threads in a state that slows training
                double gflops = matmul > 0 ? matmulGflops(model.manager(), matmul, ai.djl.ndarray.types.DataType.FLOAT32) : Double.NaN;
                // on a GPU MFU is against the 16-bit matmul rate (the tensor cores' rate); DJL's PyTorch binding has no
                // bf16 (converting to it aborts the JVM), so fp16 measures it: the same tensor-core rate as bf16 on
                // Ampere and later
                double halfGflops = matmul > 0 && device.isGpu()
                        ? matmulGflops(model.manager(), matmul, ai.djl.ndarray.types.DataType.FLOAT16) : Double.NaN;
                double reference = device.isGpu() ? halfGflops : gflops;
                double seconds = (marks[1] - marks[0]) / 1e9;
                double tps = (double) steps * batch * seqLen / seconds;
                double flopsPerToken = TrainingFlops.perToken(model.config(), seqLen, r, loraConfig.resolvedTargets(model.config().family()));
                out.put("method", method);
                out.put("base", QloraBase.schemeOf(model).orElse(model.config().torchDtype()));
                out.put("layerwise_recompute", model.layerwiseRecompute());
                out.put("parameters", model.config().parameterCount());
                out.put("base_resident_bytes", baseBytes);
                out.put("peak_rss_bytes", peakRss);
                out.put("base_share_of_peak_rss", peakRss > 0 ? Math.round(1000.0 * baseBytes / peakRss) / 1000.0 : null);
                out.put("seq_len", seqLen);
                out.put("batch", batch);
                out.put("lora", "r=" + r + " on " + String.join(",", loraConfig.resolvedTargets(model.config().family())));
                out.put("measured_steps", steps);
                out.put("tokens_per_second", Math.round(tps * 10) / 10.0);
                out.put("model_mflop_per_token", Math.round(flopsPerToken / 1e5) / 10.0);
                out.put("achieved_gflops", Math.round(tps * flopsPerToken / 1e8) / 10.0);
                out.put("matmul_gflops", Double.isNaN(gflops) ? null : Math.round(gflops * 10) / 10.0);
                if (device.isGpu()) {
                    out.put("matmul_fp16_gflops", Double.isNaN(halfGflops) ? null : Math.round(halfGflops * 10) / 10.0);
                    out.put("peak_device_memory_bytes", peakDevice[0]);
                }
                out.put("mfu_reference", device.isGpu() ? "fp16 matmul" : "fp32 matmul");
                out.put("mfu", Double.isNaN(reference) ? null : Math.round(1000 * tps * flopsPerToken / (reference * 1e9)) / 1000.0);
            }
        } finally {
            if (modelDir == null) {
                try (var s = Files.walk(dir)) {
                    s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
        System.out.println(new ObjectMapper().writeValueAsString(out));
        return 0;
    }

    private List<EncodedExample> randomExamples(int vocab, int count) {
        Random random = new Random(1);
        List<EncodedExample> out = new ArrayList<>(count);
        for (int e = 0; e < count; e++) {
            int[] ids = new int[seqLen];
            for (int t = 0; t < seqLen; t++) {
                ids[t] = 4 + random.nextInt(vocab - 4);
            }
            out.add(new EncodedExample(ids, ids.clone()));
        }
        return out;
    }

    /** GFLOP/s of an n x n x n matmul of {@code type} through DJL (best of 5 timed runs after 2 warmups). */
    static double matmulGflops(NDManager parent, int n, ai.djl.ndarray.types.DataType type) {
        try (NDManager m = parent.newSubManager()) {
            NDArray a = m.randomNormal(new Shape(n, n)).toType(type, false);
            NDArray b = m.randomNormal(new Shape(n, n)).toType(type, false);
            double best = Double.MAX_VALUE;
            for (int i = 0; i < 7; i++) {
                long t0 = System.nanoTime();
                try (NDArray c = a.matMul(b); NDArray corner = c.get(0, 0).toType(ai.djl.ndarray.types.DataType.FLOAT32, false)) {
                    corner.getFloat(); // force completion (a GPU runs asynchronously)
                }
                double s = (System.nanoTime() - t0) / 1e9;
                if (i >= 2) {
                    best = Math.min(best, s);
                }
            }
            return 2.0 * n * n * n / best / 1e9;
        }
    }
}
