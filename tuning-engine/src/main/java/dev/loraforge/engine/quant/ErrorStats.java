package dev.loraforge.engine.quant;

/** Reconstruction error of quantized weights, accumulated over tensors (double sums). */
final class ErrorStats {

    private long count;
    private double absSum;
    private double squaredSum;
    private double referenceSquaredSum;
    private double maxAbs;

    /** Values per parallel task of {@link #add}; partial sums are combined in task order, so results do not vary. */
    private static final int CHUNK = 1 << 20;

    /** Adds one tensor: its original values and their dequantized reconstruction. */
    void add(float[] original, float[] reconstructed) {
        if (original.length != reconstructed.length) {
            throw new IllegalArgumentException(original.length + " original values, " + reconstructed.length + " reconstructed");
        }
        int tasks = (original.length + CHUNK - 1) / CHUNK;
        double[][] partial = new double[tasks][4];
        java.util.stream.IntStream range = java.util.stream.IntStream.range(0, tasks);
        (tasks > 1 ? range.parallel() : range).forEach(t -> {
            double abs = 0;
            double squared = 0;
            double reference = 0;
            double max = 0;
            for (int i = t * CHUNK, end = Math.min(original.length, (t + 1) * CHUNK); i < end; i++) {
                double e = Math.abs((double) original[i] - reconstructed[i]);
                abs += e;
                squared += e * e;
                reference += (double) original[i] * original[i];
                max = Math.max(max, e);
            }
            partial[t] = new double[] {abs, squared, reference, max};
        });
        for (double[] p : partial) {
            absSum += p[0];
            squaredSum += p[1];
            referenceSquaredSum += p[2];
            maxAbs = Math.max(maxAbs, p[3]);
        }
        count += original.length;
    }

    long count() {
        return count;
    }

    /** mean |w - w'|. */
    double meanAbs() {
        return count == 0 ? 0 : absSum / count;
    }

    /** sqrt(mean (w - w')^2). */
    double rms() {
        return count == 0 ? 0 : Math.sqrt(squaredSum / count);
    }

    /** ||W - W'||_F / ||W||_F over all tensors. */
    double relative() {
        return referenceSquaredSum == 0 ? 0 : Math.sqrt(squaredSum / referenceSquaredSum);
    }

    double maxAbs() {
        return maxAbs;
    }
}
