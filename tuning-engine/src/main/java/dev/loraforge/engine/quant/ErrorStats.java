package dev.loraforge.engine.quant;

/** Reconstruction error of quantized weights, accumulated over tensors (double sums). */
final class ErrorStats {

    private long count;
    private double absSum;
    private double squaredSum;
    private double referenceSquaredSum;
    private double maxAbs;

    /** Adds one tensor: its original values and their dequantized reconstruction. */
    void add(float[] original, float[] reconstructed) {
        if (original.length != reconstructed.length) {
            throw new IllegalArgumentException(original.length + " original values, " + reconstructed.length + " reconstructed");
        }
        for (int i = 0; i < original.length; i++) {
            double e = Math.abs((double) original[i] - reconstructed[i]);
            absSum += e;
            squaredSum += e * e;
            referenceSquaredSum += (double) original[i] * original[i];
            maxAbs = Math.max(maxAbs, e);
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
