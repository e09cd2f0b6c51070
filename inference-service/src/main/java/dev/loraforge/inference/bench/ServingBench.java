package dev.loraforge.inference.bench;

import ai.djl.ndarray.NDArray;
import dev.loraforge.engine.fixtures.TinyModelGenerator;
import dev.loraforge.engine.generate.GenerationOptions;
import dev.loraforge.engine.generate.Generator;
import dev.loraforge.engine.lora.LoraAdapter;
import dev.loraforge.engine.lora.LoraConfig;
import dev.loraforge.engine.lora.PeftAdapters;
import dev.loraforge.engine.model.Adapter;
import dev.loraforge.engine.model.LlamaModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Serving figures on the engine path inference-service runs (one base loaded once, adapters loaded
 * with the engine's PEFT loader and passed per call, unmerged; KV-cache decoding): generation tokens/s
 * of the base alone and with an adapter, one request and 4 concurrent requests on 4 different adapters,
 * adapter load time (cold: from its directory) and the cost of switching between cached adapters.
 * Not a test: run by {@code bench/serving.sh}. Prints one JSON line at the end.
 *
 * <p>Usage: {@code ServingBench <preset tiny|small> <new tokens per request> <runs>}
 */
public final class ServingBench {

    private static final int[] PROMPT = {1, 3, 200, 301, 402, 503, 604, 705, 806, 907, 1008, 1109, 2, 3, 400, 10};

    private ServingBench() {
    }

    public static void main(String[] args) throws Exception {
        TinyModelGenerator.Preset preset = TinyModelGenerator.Preset.parse(args.length > 0 ? args[0] : "small");
        int tokens = args.length > 1 ? Integer.parseInt(args[1]) : 128;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        Path work = Files.createTempDirectory("serving-bench");
        Path modelDir = work.resolve("model");
        TinyModelGenerator.write(preset, modelDir, 1);
        try (LlamaModel model = LlamaModel.load(modelDir)) {
            List<Path> adapterDirs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                try (LoraAdapter a = LoraAdapter.create(model, LoraConfig.of(16, 32, 0, List.of(LoraConfig.ALL_LINEAR)), 10 + i)) {
                    randomB(a, 100 + i); // a trained-looking adapter: B != 0
                    Path dir = work.resolve("adapter-" + i);
                    a.save(dir, preset.name().toLowerCase(Locale.ROOT));
                    adapterDirs.add(dir);
                }
            }
            // cold load: read + check the directory against the base (what a cache miss costs, download aside)
            List<Adapter> adapters = new ArrayList<>();
            double[] loadMs = new double[adapterDirs.size()];
            for (int i = 0; i < adapterDirs.size(); i++) {
                long t0 = System.nanoTime();
                Adapter a = PeftAdapters.load(model, adapterDirs.get(i));
                a.trainableParameters().values().forEach(p -> p.setRequiresGradient(false));
                loadMs[i] = (System.nanoTime() - t0) / 1e6;
                adapters.add(a);
            }
            Generator generator = new Generator(model);
            GenerationOptions options = GenerationOptions.greedy(tokens).withEos(List.of(-1)); // never stops early
            generator.generate(PROMPT, adapters.get(0), options); // warm-up
            generator.generate(PROMPT, null, options);

            double base1 = median(runs, () -> single(generator, null, options));
            double lora1 = median(runs, () -> single(generator, adapters.get(0), options));
            double base4 = median(runs, () -> concurrent(generator, Arrays.asList(null, null, null, null), options));
            double lora4 = median(runs, () -> concurrent(generator, adapters, options));

            // switching: short requests (prompt + 1 token) alternating over the 4 cached adapters vs always the same one
            GenerationOptions one = GenerationOptions.greedy(1).withEos(List.of(-1));
            int n = 40;
            double same = median(runs, () -> perRequestMs(generator, List.of(adapters.get(0)), one, n));
            double alternating = median(runs, () -> perRequestMs(generator, adapters, one, n));
            double baseShort = median(runs, () -> perRequestMs(generator, Arrays.asList((Adapter) null), one, n));

            System.out.printf(Locale.ROOT, "preset %s (%,d parameters), %d new tokens per request, %d runs (medians), %s intra-op threads%n",
                    preset.name().toLowerCase(Locale.ROOT), model.config().parameterCount(), tokens, runs,
                    System.getProperty("ai.djl.pytorch.num_threads", "default"));
            System.out.printf(Locale.ROOT, "  base alone, 1 request:                 %8.1f tokens/s%n", base1);
            System.out.printf(Locale.ROOT, "  base + LoRA r16 all-linear, 1 request: %8.1f tokens/s (%.0f%% of base)%n", lora1, 100 * lora1 / base1);
            System.out.printf(Locale.ROOT, "  base alone, 4 concurrent requests:     %8.1f tokens/s total%n", base4);
            System.out.printf(Locale.ROOT, "  4 concurrent requests, 4 adapters:     %8.1f tokens/s total (%.0f%% of base)%n", lora4, 100 * lora4 / base4);
            System.out.printf(Locale.ROOT, "  adapter cold load (read + check):      %8.1f ms median (%s)%n", medianOf(loadMs), fmt(loadMs));
            System.out.printf(Locale.ROOT, "  short request, same adapter:           %8.2f ms%n", same);
            System.out.printf(Locale.ROOT, "  short request, adapter switched:       %8.2f ms (switch cost %.2f ms; base alone %.2f ms)%n",
                    alternating, alternating - same, baseShort);
            System.out.printf(Locale.ROOT, "{\"preset\":\"%s\",\"tokens\":%d,\"base_tps\":%.1f,\"lora_tps\":%.1f,\"base4_tps\":%.1f,"
                            + "\"lora4_tps\":%.1f,\"adapter_load_ms\":%.1f,\"switch_ms\":%.2f}%n",
                    preset.name().toLowerCase(Locale.ROOT), tokens, base1, lora1, base4, lora4, medianOf(loadMs), alternating - same);
            adapters.forEach(Adapter::close);
        }
    }

    private interface Measure {
        double run() throws Exception;
    }

    private static double median(int runs, Measure m) throws Exception {
        double[] v = new double[runs];
        for (int i = 0; i < runs; i++) {
            v[i] = m.run();
        }
        return medianOf(v);
    }

    private static double medianOf(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static String fmt(double[] v) {
        StringBuilder b = new StringBuilder();
        for (double d : v) {
            b.append(b.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.1f", d));
        }
        return b.toString();
    }

    private static double single(Generator g, Adapter a, GenerationOptions o) {
        long t0 = System.nanoTime();
        int n = g.generate(PROMPT, a, o).tokens().length;
        return n / ((System.nanoTime() - t0) / 1e9);
    }

    private static double concurrent(Generator g, List<Adapter> adapters, GenerationOptions o) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(adapters.size());
        try {
            long t0 = System.nanoTime();
            List<Future<Integer>> done = new ArrayList<>();
            for (Adapter a : adapters) {
                done.add(pool.submit(() -> g.generate(PROMPT, a, o).tokens().length));
            }
            int total = 0;
            for (Future<Integer> f : done) {
                total += f.get();
            }
            return total / ((System.nanoTime() - t0) / 1e9);
        } finally {
            pool.shutdown();
        }
    }

    private static double perRequestMs(Generator g, List<Adapter> adapters, GenerationOptions o, int n) {
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            g.generate(PROMPT, adapters.get(i % adapters.size()), o);
        }
        return (System.nanoTime() - t0) / 1e6 / n;
    }

    private static void randomB(LoraAdapter a, long seed) {
        Random r = new Random(seed);
        for (var e : a.trainableParameters().entrySet()) {
            if (e.getKey().contains("lora_B")) {
                NDArray b = e.getValue();
                float[] v = new float[(int) b.size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (r.nextGaussian() * 0.02);
                }
                b.set(v);
            }
        }
    }
}
