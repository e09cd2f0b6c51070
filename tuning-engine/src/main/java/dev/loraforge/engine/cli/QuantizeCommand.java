package dev.loraforge.engine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loraforge.engine.quant.ModelQuantizer;
import dev.loraforge.engine.quant.QuantScheme;
import dev.loraforge.engine.quant.QuantizationReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tune quantize}: writes a bitsandbytes-quantized copy of a model directory (NF4, NF4 with double
 * quantization, or int8) that {@code tune train --method qlora --quantized}, {@code tune logits},
 * {@code tune generate} and transformers load. Prints a summary on stderr and the report JSON on stdout.
 */
@Command(name = "quantize", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Quantize a model's projection weights (bitsandbytes layout): nf4, nf4-dq or int8.")
final class QuantizeCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Full-precision Hugging Face model directory.")
    Path model;

    @Option(names = "--scheme", defaultValue = "nf4-dq", paramLabel = "nf4|nf4-dq|int8",
            description = "nf4 (blocks of 64, float32 absmax), nf4-dq (absmax double-quantized, QLoRA) or int8 (row-wise) (default: ${DEFAULT-VALUE}).")
    String scheme;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "New output directory (must not exist or be empty).")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(model)) {
            throw new IllegalArgumentException("--model " + model + " is not a directory");
        }
        QuantizationReport r = ModelQuantizer.quantize(model, QuantScheme.parse(scheme), out);
        System.err.printf("quantized %d projection weights (%,d of %,d parameters) with %s: %,d -> %,d bytes,"
                        + " %.3f bits per quantized parameter, relative error %.4f, %.1f M parameters/s%n",
                r.quantizedTensors(), r.quantizedParameters(), r.parameters(), r.scheme().id(), r.bytesBefore(), r.bytesAfter(),
                r.bitsPerQuantizedParameter(), r.relativeError(), r.parametersPerSecond() / 1e6);
        java.util.Map<String, Object> json = new java.util.LinkedHashMap<>(r.toMap());
        json.put("peak_rss_bytes", ProcessMemory.peakRssBytes()); // the whole process: JVM, reading, quantizing, writing
        System.out.println(new ObjectMapper().writeValueAsString(json));
        return 0;
    }
}
