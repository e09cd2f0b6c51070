package dev.loraforge.engine.quant;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What quantizing one model produced: sizes before and after, bits per parameter, reconstruction error
 * of the quantized weights against the originals, and time.
 *
 * @param parameters           all parameters of the model
 * @param quantizedParameters  parameters of the quantized projections
 * @param quantizedTensors     number of quantized projection weights
 * @param bytesBefore          bytes of the source weight files (safetensors)
 * @param bytesAfter           bytes of the written model.safetensors (0 when nothing was written)
 * @param quantizedDataBytes   codes and scale state of the quantized projections (what QLoRA's 4.127 bits count)
 * @param quantizedStoredBytes every tensor stored for the quantized projections (+ per-tensor code maps and JSON state)
 * @param meanAbsError         mean |w - dequant(quant(w))| over the quantized parameters
 * @param rmsError             root mean square of that difference
 * @param relativeError        ||W - W'||_F / ||W||_F over the quantized projections
 * @param maxAbsError          largest |w - w'|
 * @param seconds              wall time of the whole call (reading, quantizing, measuring, writing)
 * @param quantizeSeconds      time spent in the quantization arithmetic alone
 */
public record QuantizationReport(QuantScheme scheme, long parameters, long quantizedParameters, int quantizedTensors,
                                 long bytesBefore, long bytesAfter, long quantizedDataBytes, long quantizedStoredBytes,
                                 double meanAbsError, double rmsError, double relativeError, double maxAbsError,
                                 double seconds, double quantizeSeconds) {

    /** Bits per quantized parameter of codes and scales (NF4 with double quantization: 4 + 8/64 + 32/(64*256) = 4.127). */
    public double bitsPerQuantizedParameter() {
        return quantizedParameters == 0 ? 0 : 8.0 * quantizedDataBytes / quantizedParameters;
    }

    /** The same including the per-tensor quant_map, nested_quant_map and JSON quant state stored in the file. */
    public double storedBitsPerQuantizedParameter() {
        return quantizedParameters == 0 ? 0 : 8.0 * quantizedStoredBytes / quantizedParameters;
    }

    /** Bits per parameter of the whole written file (unquantized embeddings and norms included). */
    public double fileBitsPerParameter() {
        return parameters == 0 ? 0 : 8.0 * bytesAfter / parameters;
    }

    /** Quantization throughput: quantized parameters per second of quantization arithmetic. */
    public double parametersPerSecond() {
        return quantizeSeconds == 0 ? 0 : quantizedParameters / quantizeSeconds;
    }

    /** JSON-friendly map (snake_case keys), as {@code tune quantize} prints it. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scheme", scheme.id());
        m.put("parameters", parameters);
        m.put("quantized_parameters", quantizedParameters);
        m.put("quantized_tensors", quantizedTensors);
        m.put("bytes_before", bytesBefore);
        m.put("bytes_after", bytesAfter);
        m.put("compression", bytesAfter == 0 ? null : round((double) bytesBefore / bytesAfter, 3));
        m.put("bits_per_quantized_parameter", round(bitsPerQuantizedParameter(), 4));
        m.put("stored_bits_per_quantized_parameter", round(storedBitsPerQuantizedParameter(), 4));
        m.put("file_bits_per_parameter", round(fileBitsPerParameter(), 4));
        m.put("mean_abs_error", meanAbsError);
        m.put("rms_error", rmsError);
        m.put("relative_error", relativeError);
        m.put("max_abs_error", maxAbsError);
        m.put("seconds", round(seconds, 3));
        m.put("quantize_seconds", round(quantizeSeconds, 3));
        m.put("parameters_per_second", Math.round(parametersPerSecond()));
        return m;
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
