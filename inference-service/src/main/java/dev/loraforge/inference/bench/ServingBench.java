package dev.loraforge.inference.bench;

import dev.loraforge.engine.generate.BatchingGenerator;
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
            for (int i = 0; i < 16; i++) {
                try (LoraAdapter a = LoraAdapter.create(model, LoraConfig.of(16, 32, 0, List.of(LoraConfig.ALL_LINEAR)), 10 + i)) {
                    randomB(a, 100 + i); // a trained-looking adapter: B != 0
                    Path dir = work.resolve("adapter-" + i);
                    a.save(dir, preset.name().toLowerCase(Locale.ROOT));
                    adapterDirs.add(dir);
                }
            }
            // cold load: read + check the directory against the base (what a cache miss costs, download aside)
            List<Adapter> loaded = new ArrayList<>();
            double[] loadMs = new double[adapterDirs.size()];
            for (int i = 0; i < adapterDirs.size(); i++) {
                long t0 = System.nanoTime();
                Adapter a = PeftAdapters.load(model, adapterDirs.get(i));
                a.trainableParameters().values().forEach(p -> p.setRequiresGradient(false));
                loadMs[i] = (System.nanoTime() - t0) / 1e6;
                loaded.add(a);
            }
            List<Adapter> sixteen = List.copyOf(loaded);
            String profile = args.length > 3 ? args[3] : "";
            if (profile.startsWith("profile")) {
                profileRuns(model, sixteen, GenerationOptions.greedy(tokens).withEos(List.of(-1)), runs,
                        profile.equals("profile-base"));
                sixteen.forEach(Adapter::close);
                return;
            }
            List<Adapter> adapters = List.copyOf(sixteen.subList(0, 4));
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

            // continuous batching (BatchingGenerator, what inference-service serves LoRA requests with) against the
            // per-request path: N streams at once, all on the base, or each on its own adapter (16 adapters, cycled)
            StringBuilder json = new StringBuilder();
            System.out.printf(Locale.ROOT, "  %-8s %-34s %10s %14s %14s%n", "streams", "path", "tokens/s", "TTFT p50 ms", "TTFT p99 ms");
            try (BatchingGenerator batcher = new BatchingGenerator(model, new BatchingGenerator.Limits(64, 1 << 20, 256), "bench")) {
                for (int streams : new int[] {1, 4, 16, 64}) {
                    List<Adapter> onBase = new ArrayList<>();
                    List<Adapter> each = new ArrayList<>();
                    for (int i = 0; i < streams; i++) {
                        onBase.add(null);
                        each.add(sixteen.get(i % sixteen.size()));
                    }
                    double[] b = best(runs, () -> batched(batcher, onBase, options));
                    double[] e = best(runs, () -> batched(batcher, each, options));
                    double[] p = best(streams >= 64 ? 1 : runs, () -> perRequest(generator, each, options));
                    row(streams, "batched, all on the base", b);
                    row(streams, "batched, each its own adapter", e);
                    row(streams, "per request, each its own adapter", p);
                    json.append(String.format(Locale.ROOT, ",\"s%d_base_tps\":%.1f,\"s%d_adapters_tps\":%.1f,\"s%d_per_request_tps\":%.1f,"
                            + "\"s%d_ttft_p99_ms\":%.1f", streams, b[0], streams, e[0], streams, p[0], streams, e[2]));
                }
            }
            Runtime rt = Runtime.getRuntime();
            System.out.printf(Locale.ROOT, "  JVM heap in use after the runs: %.0f MiB (the model and caches are native memory)%n",
                    (rt.totalMemory() - rt.freeMemory()) / 1048576.0);
            System.out.printf(Locale.ROOT, "{\"preset\":\"%s\",\"tokens\":%d,\"base_tps\":%.1f,\"lora_tps\":%.1f,\"base4_tps\":%.1f,"
                            + "\"lora4_tps\":%.1f,\"adapter_load_ms\":%.1f,\"switch_ms\":%.2f%s}%n",
                    preset.name().toLowerCase(Locale.ROOT), tokens, base1, lora1, base4, lora4, medianOf(loadMs), alternating - same, json);
            sixteen.forEach(Adapter::close);
        }
    }

    /**
     * Only the scenario, for a profiler (e.g. {@code -XX:StartFlightRecording}): 16 streams, each on its own
     * adapter ({@code onBase}: all on the base), submitted together to the batcher, {@code runs} times after a
     * warm-up; prints each run's tokens/s and TTFT, and the batched steps per second.
     */
    private static void profileRuns(LlamaModel model, List<Adapter> sixteen, GenerationOptions options, int runs,
                                    boolean onBase) throws Exception {
        List<Adapter> streams = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            streams.add(onBase ? null : sixteen.get(i));
        }
        try (BatchingGenerator batcher = new BatchingGenerator(model, new BatchingGenerator.Limits(64, 1 << 20, 256), "bench")) {
            batched(batcher, streams, options); // warm-up
            for (int i = 0; i < runs; i++) {
                long steps = batcher.steps();
                long t0 = System.nanoTime();
                double[] r = batched(batcher, streams, options);
                double seconds = (System.nanoTime() - t0) / 1e9;
                System.out.printf(Locale.ROOT, "profile run %d, 16 streams %s: %.1f tokens/s, TTFT p50 %.1f ms, p99 %.1f ms,"
                        + " %.1f batched steps/s%n", i, onBase ? "on the base" : "on 16 adapters", r[0], r[1], r[2],
                        (batcher.steps() - steps) / seconds);
            }
        }
    }

    private interface Measure {
        double run() throws Exception;
    }

    private interface Figures {
        double[] run() throws Exception;
    }

    /** The run with the best throughput of {@code runs}: {tokens/s, TTFT p50 ms, TTFT p99 ms}. */
    private static double[] best(int runs, Figures f) throws Exception {
        double[] best = null;
        for (int i = 0; i < runs; i++) {
            double[] r = f.run();
            if (best == null || r[0] > best[0]) {
                best = r;
            }
        }
        return best;
    }

    private static void row(int streams, String path, double[] r) {
        System.out.printf(Locale.ROOT, "  %-8d %-34s %10.1f %14.1f %14.1f%n", streams, path, r[0], r[1], r[2]);
    }

    /** All streams submitted at once to the batcher, each read on its own thread. */
    private static double[] batched(BatchingGenerator batcher, List<Adapter> perStream, GenerationOptions o) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(perStream.size());
        try {
            long t0 = System.nanoTime();
            List<Future<long[]>> done = new ArrayList<>();
            for (Adapter a : perStream) {
                BatchingGenerator.Request r = batcher.submit(PROMPT, a, o);
                done.add(pool.submit(() -> {
                    long first = -1;
                    int n = 0;
                    while (r.next(java.time.Duration.ofMinutes(5)) >= 0) {
                        if (first < 0) {
                            first = System.nanoTime() - t0;
                        }
                        n++;
                    }
                    return new long[] {n, first};
                }));
            }
            return figures(done, t0);
        } finally {
            pool.shutdown();
        }
    }

    /** Each stream on its own thread through the per-request Generator (the path before batching). */
    private static double[] perRequest(Generator g, List<Adapter> perStream, GenerationOptions o) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(perStream.size());
        try {
            long t0 = System.nanoTime();
            List<Future<long[]>> done = new ArrayList<>();
            for (Adapter a : perStream) {
                done.add(pool.submit(() -> {
                    long[] first = {-1};
                    int n = g.generate(PROMPT, a, o, id -> {
                        if (first[0] < 0) {
                            first[0] = System.nanoTime() - t0;
                        }
                    }).tokens().length;
                    return new long[] {n, first[0]};
                }));
            }
            return figures(done, t0);
        } finally {
            pool.shutdown();
        }
    }

    private static double[] figures(List<Future<long[]>> done, long t0) throws Exception {
        long tokens = 0;
        double[] ttft = new double[done.size()];
        for (int i = 0; i < done.size(); i++) {
            long[] r = done.get(i).get();
            tokens += r[0];
            ttft[i] = r[1] / 1e6;
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Arrays.sort(ttft);
        return new double[] {tokens / seconds, ttft[ttft.length / 2], ttft[(int) Math.ceil(0.99 * ttft.length) - 1]};
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
