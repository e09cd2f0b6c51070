package dev.loraforge.engine.cli;

import static dev.loraforge.engine.cli.TuneRun.tune;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loraforge.engine.fixtures.DemoDatasets;
import dev.loraforge.engine.io.Npy;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tune quantize, and QLoRA through train / logits / generate / inspect / merge, on the tiny preset. */
class QuantizeCliTest {

    private static final ObjectMapper JSON = new ObjectMapper();



    @Test
    void quantizeThenTrainQloraAndUseTheQuantizedModel(@TempDir Path tmp) throws Exception {
        Path model = tmp.resolve("model");
        assertThat(tune("init-model", "--preset", "tiny", "--out", model.toString()).code()).isZero();
        Path q = tmp.resolve("model-nf4");
        TuneRun quantize = tune("quantize", "--model", model.toString(), "--scheme", "nf4-dq", "--out", q.toString());
        assertThat(quantize.code()).as(quantize.err()).isZero();
        JsonNode report = quantize.lastJson();
        assertThat(report.get("scheme").asText()).isEqualTo("nf4-dq");
        assertThat(report.get("quantized_tensors").asInt()).isEqualTo(14);
        assertThat(report.get("bytes_after").asLong()).isLessThan(report.get("bytes_before").asLong());
        assertThat(quantize.err()).contains("bits per quantized parameter");

        JsonNode inspect = JSON.readTree(tune("inspect", q.toString()).out());
        assertThat(inspect.at("/quantization/scheme").asText()).isEqualTo("nf4-dq");
        assertThat(inspect.at("/quantization/quantized_tensors").asInt()).isEqualTo(14);
        // stored bits add each tensor's 16 + 256 code values and JSON state: a lot for tiny 32 x 64 projections
        assertThat(inspect.at("/quantization/stored_bits_per_quantized_parameter").asDouble())
                .isEqualTo(report.get("stored_bits_per_quantized_parameter").asDouble(), org.assertj.core.data.Offset.offset(0.001))
                .isGreaterThan(report.get("bits_per_quantized_parameter").asDouble());

        Path data = DemoDatasets.copy(DemoDatasets.PIRATE, tmp.resolve("pirate.jsonl"));
        String[] common = {"--data", data.toString(), "--method", "qlora", "--r", "4", "--alpha", "8", "--targets", "q_proj,v_proj",
                "--lr", "5e-3", "--steps", "3", "--batch", "2", "--seq-len", "96", "--seed", "1"};
        Path onTheFly = tmp.resolve("qlora-fly");
        TuneRun fly = tune(concat(new String[] {"train", "--model", model.toString(), "--out", onTheFly.toString()}, common));
        assertThat(fly.code()).as(fly.err()).isZero();
        assertThat(fly.lastJson().get("base_quantization").asText()).isEqualTo("nf4-dq");
        Path pre = tmp.resolve("qlora-pre");
        TuneRun prequantized = tune(concat(new String[] {"train", "--model", model.toString(), "--quantized", q.toString(),
                "--out", pre.toString()}, common));
        assertThat(prequantized.code()).as(prequantized.err()).isZero();
        for (String k : new String[] {"train_loss", "final_loss"}) {
            assertThat(prequantized.lastJson().get(k).asDouble()).as("the in-memory and the written nf4-dq base are the same")
                    .isEqualTo(fly.lastJson().get(k).asDouble());
        }

        TuneRun wrong = tune(concat(new String[] {"train", "--model", model.toString(), "--quantized", model.toString(),
                "--out", tmp.resolve("x").toString()}, common));
        assertThat(wrong.code()).isEqualTo(2);
        assertThat(wrong.err()).contains("is not a quantized model");

        Path logits = tmp.resolve("logits.npy");
        TuneRun l = tune("logits", "--model", q.toString(), "--adapter", pre.toString(), "--ids", "1,3,17,42", "--out", logits.toString());
        assertThat(l.code()).as(l.err()).isZero();
        assertThat(Npy.readFloat32(logits).shape()).containsExactly(4, 4096);
        TuneRun g = tune("generate", "--model", q.toString(), "--adapter", pre.toString(), "--prompt", "Ahoy", "--max-new-tokens", "5");
        assertThat(g.code()).as(g.err()).isZero();
        TuneRun merged = tune("merge", "--model", q.toString(), "--adapter", pre.toString(), "--out", tmp.resolve("merged").toString());
        assertThat(merged.code()).as(merged.err()).isZero();
        assertThat(JSON.readTree(tune("inspect", tmp.resolve("merged").toString()).out()).has("quantization"))
                .as("a merge writes a full-precision model").isFalse();
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
