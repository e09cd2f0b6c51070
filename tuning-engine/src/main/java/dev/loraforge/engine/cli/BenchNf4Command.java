package dev.loraforge.engine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loraforge.engine.quant.Nf4Quantizer;
import dev.loraforge.engine.quant.Nf4Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tune bench-nf4}: NF4 round-trip error on standard normal data, the figure bitsandbytes'
 * own test reports (randn(1024, 1024), blocksize 64: mean |A - dequant(quant(A))| = 0.0728), with
 * and without double quantization of the absmax values, and the quantizer's raw rate in values per
 * second. Prints one JSON line. A measurement, not a test.
 */
@Command(name = "bench-nf4", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Measure NF4 round-trip error on N(0,1) matrices and the quantization rate; prints JSON.")
final class BenchNf4Command implements Callable<Integer> {

    @Option(names = "--matrices", defaultValue = "8", paramLabel = "N", description = "Matrices measured (default: ${DEFAULT-VALUE}).")
    int matrices;

    @Option(names = "--size", defaultValue = "1024", paramLabel = "N", description = "Each matrix is N x N (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--blocksize", defaultValue = "64", paramLabel = "N", description = "NF4 block size (default: ${DEFAULT-VALUE}).")
    int blocksize;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "N")
    long seed;

    @Override
    public Integer call() throws Exception {
        if (matrices < 1 || size < 1 || blocksize < 1) {
            throw new IllegalArgumentException("--matrices, --size and --blocksize must be at least 1");
        }
        Random random = new Random(seed);
        double errPlain = 0;
        double errDq = 0;
        long quantNanos = 0;
        long values = 0;
        for (int m = 0; m < matrices; m++) {
            float[] a = new float[size * size];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) random.nextGaussian();
            }
            long[] shape = {size, size};
            long t0 = System.nanoTime();
            Nf4Tensor plain = Nf4Quantizer.quantize(a, shape, "float32", blocksize, false);
            quantNanos += System.nanoTime() - t0;
            values += a.length;
            Nf4Tensor dq = Nf4Quantizer.quantize(a, shape, "float32", blocksize, true);
            errPlain += meanAbs(a, plain.dequantize());
            errDq += meanAbs(a, dq.dequantize());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("data", "N(0,1) " + size + "x" + size + " x " + matrices);
        out.put("blocksize", blocksize);
        out.put("nf4_mean_abs_error", round(errPlain / matrices));
        out.put("nf4_dq_mean_abs_error", round(errDq / matrices));
        out.put("bitsandbytes_reference", 0.0728);
        out.put("quantize_values_per_second", Math.round(values / (quantNanos / 1e9)));
        System.out.println(new ObjectMapper().writeValueAsString(out));
        return 0;
    }

    private static double meanAbs(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += Math.abs(a[i] - b[i]);
        }
        return s / a.length;
    }

    private static double round(double v) {
        return Math.round(v * 1e6) / 1e6;
    }
}
