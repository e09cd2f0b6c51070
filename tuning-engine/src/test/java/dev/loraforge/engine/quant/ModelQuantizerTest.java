package dev.loraforge.engine.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loraforge.engine.fixtures.TinyModelGenerator;
import dev.loraforge.engine.io.SafeDType;
import dev.loraforge.engine.io.SafeTensorsReader;
import dev.loraforge.engine.io.TensorInfo;
import dev.loraforge.engine.model.LlamaConfig;
import dev.loraforge.engine.model.LlamaModel;
import dev.loraforge.engine.model.WeightLayout;
import dev.loraforge.engine.reference.TestModels;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelQuantizerTest {

    @TempDir
    Path dir;

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void nf4DqDirectoryHasTheBitsandbytesTensorsConfigAndTokenizer() throws Exception {
        Path src = dir.resolve("tiny");
        LlamaConfig config = TinyModelGenerator.write(TinyModelGenerator.Preset.TINY, src, 3);
        Path out = dir.resolve("tiny-nf4");
        QuantizationReport report = ModelQuantizer.quantize(src, QuantScheme.NF4_DQ, out);

        JsonNode q = JSON.readTree(out.resolve("config.json").toFile()).get("quantization_config");
        assertThat(q.get("quant_method").asText()).isEqualTo("bitsandbytes");
        assertThat(q.get("load_in_4bit").asBoolean()).isTrue();
        assertThat(q.get("load_in_8bit").asBoolean()).isFalse();
        assertThat(q.get("bnb_4bit_quant_type").asText()).isEqualTo("nf4");
        assertThat(q.get("bnb_4bit_use_double_quant").asBoolean()).isTrue();
        assertThat(q.get("bnb_4bit_compute_dtype").asText()).isEqualTo("float32");
        assertThat(q.get("bnb_4bit_quant_storage").asText()).isEqualTo("uint8");
        assertThat(q.get("llm_int8_skip_modules").get(0).asText()).isEqualTo("lm_head");
        assertThat(LlamaConfig.load(out)).isEqualTo(config);
        for (String f : new String[] {"tokenizer.json", "tokenizer_config.json", "generation_config.json"}) {
            assertThat(out.resolve(f)).hasSameBinaryContentAs(src.resolve(f));
        }

        long quantizedParams = 0;
        long dataBytes = 0;
        try (SafeTensorsReader r = SafeTensorsReader.open(out.resolve("model.safetensors"));
                SafeTensorsReader s = SafeTensorsReader.open(src.resolve("model.safetensors"))) {
            for (Map.Entry<String, long[]> e : WeightLayout.of(config).entrySet()) {
                String w = e.getKey();
                if (!WeightLayout.isProjectionWeight(w)) {
                    assertThat(r.info(w).dtype()).isEqualTo(s.info(w).dtype());
                    assertThat(r.bytes(w)).as(w + " copied unchanged").isEqualTo(s.bytes(w));
                    continue;
                }
                long n = e.getValue()[0] * e.getValue()[1];
                int blocks = (int) ((n + 63) / 64);
                int groups = (blocks + 255) / 256;
                assertInfo(r, w, SafeDType.U8, (n + 1) / 2, 1);
                assertInfo(r, w + ".absmax", SafeDType.U8, blocks);
                assertInfo(r, w + ".quant_map", SafeDType.F32, 16);
                assertInfo(r, w + ".nested_absmax", SafeDType.F32, groups);
                assertInfo(r, w + ".nested_quant_map", SafeDType.F32, 256);
                ByteBuffer b = r.bytes(w + ".quant_state.bitsandbytes__nf4");
                byte[] json = new byte[b.remaining()];
                b.get(json);
                JsonNode state = JSON.readTree(new String(json, StandardCharsets.UTF_8));
                assertThat(state.get("quant_type").asText()).isEqualTo("nf4");
                assertThat(state.get("blocksize").asInt()).isEqualTo(64);
                assertThat(state.get("dtype").asText()).isEqualTo("float32");
                assertThat(state.get("shape").get(0).asLong()).isEqualTo(e.getValue()[0]);
                assertThat(state.get("shape").get(1).asLong()).isEqualTo(e.getValue()[1]);
                assertThat(state.get("nested_blocksize").asInt()).isEqualTo(256);
                assertThat(state.get("nested_dtype").asText()).isEqualTo("float32");
                // what was written is what quantizing the source gives
                Nf4Tensor again = Nf4Quantizer.quantize(s.readFloats(w), e.getValue(), "float32", true);
                float[][] map = new float[1][];
                Nf4Tensor read = BnbLayout.readNf4(r, w, e.getValue(), map);
                assertThat(read.packed()).isEqualTo(again.packed());
                assertThat(read.dequantize()).containsExactly(again.dequantize());
                assertThat(map[0]).containsExactly(Nf4Code.values());
                quantizedParams += n;
                dataBytes += (n + 1) / 2 + blocks + 4L * groups + 4;
            }
            assertThat(r.names()).allMatch(name -> WeightLayout.of(config).containsKey(name) || BnbLayout.isStateTensor(name));
        }
        assertThat(report.quantizedTensors()).isEqualTo(7 * config.numHiddenLayers());
        assertThat(report.quantizedParameters()).isEqualTo(quantizedParams);
        assertThat(report.parameters()).isEqualTo(config.parameterCount());
        assertThat(report.bitsPerQuantizedParameter()).isEqualTo(8.0 * dataBytes / quantizedParams);
        assertThat(report.bitsPerQuantizedParameter()).isBetween(4.12, 4.2);
        assertThat(report.bytesAfter()).isEqualTo(Files.size(out.resolve("model.safetensors")));
        assertThat(report.bytesBefore()).isEqualTo(Files.size(src.resolve("model.safetensors")));
        assertThat(report.relativeError()).isBetween(0.05, 0.15);
        assertThat(report.meanAbsError()).isPositive();
        assertThat(report.maxAbsError()).isGreaterThan(report.meanAbsError());
        assertThat(dir).isDirectoryNotContaining(p -> p.getFileName().toString().contains(".partial-"));
    }

    @Test
    void aShardedModelQuantizesIntoShardsHoldingExactlyTheOneFileTensors() throws Exception {
        LlamaConfig config = TinyModelGenerator.Preset.TINY.config();
        Path src = dir.resolve("src");
        Path srcSharded = dir.resolve("src-sharded");
        dev.loraforge.engine.model.ModelFixtures.writeRandomModel(src, config, 5);
        dev.loraforge.engine.model.ModelFixtures.writeRandomModel(srcSharded, config, 5, 100_000);
        assertThat(srcSharded.resolve("model.safetensors.index.json")).exists();
        for (QuantScheme scheme : QuantScheme.values()) {
            Path one = dir.resolve("one-" + scheme.id());
            Path sharded = dir.resolve("sharded-" + scheme.id());
            ModelQuantizer.quantize(src, scheme, one);
            QuantizationReport report = ModelQuantizer.quantize(srcSharded, scheme, sharded, 40_000);
            assertThat(one.resolve("model.safetensors.index.json")).doesNotExist();
            JsonNode index = JSON.readTree(sharded.resolve("model.safetensors.index.json").toFile());
            long total = 0;
            try (SafeTensorsReader a = SafeTensorsReader.open(one.resolve("model.safetensors"));
                    SafeTensorsReader b = SafeTensorsReader.openModel(sharded)) {
                assertThat(b.names()).isEqualTo(a.names());
                for (String name : a.names()) {
                    assertThat(b.info(name).dtype()).isEqualTo(a.info(name).dtype());
                    assertThat(b.bytes(name)).as(scheme + " " + name).isEqualTo(a.bytes(name));
                    total += a.info(name).byteLength();
                }
                // the slots planned before quantizing are the tensors written (the quant state within its bound)
                for (Map.Entry<String, long[]> e : WeightLayout.of(config).entrySet()) {
                    if (!WeightLayout.isProjectionWeight(e.getKey())) {
                        continue;
                    }
                    java.util.List<dev.loraforge.engine.io.SafeTensorsStreamFile.Slot> slots = BnbLayout.slots(e.getKey(), e.getValue(), scheme);
                    assertThat(slots).extracting(dev.loraforge.engine.io.SafeTensorsStreamFile.Slot::name)
                            .containsExactlyInAnyOrderElementsOf(a.names().stream().filter(n -> n.equals(e.getKey())
                                    || n.startsWith(e.getKey() + ".") || n.equals(BnbLayout.scbName(e.getKey()))
                                    || n.equals(BnbLayout.weightFormatName(e.getKey()))).toList());
                    for (var slot : slots) {
                        TensorInfo info = a.info(slot.name());
                        assertThat(info.dtype()).as(slot.name()).isEqualTo(slot.dtype());
                        if (slot.name().endsWith(BnbLayout.QUANT_STATE)) {
                            assertThat(info.byteLength()).isLessThanOrEqualTo(slot.byteLength());
                        } else {
                            assertThat(info.shape()).as(slot.name()).containsExactly(slot.shape());
                        }
                    }
                }
            }
            assertThat(index.get("metadata").get("total_size").asLong()).isEqualTo(total);
            assertThat(report.bytesAfter()).isEqualTo(ModelQuantizer.weightFilesSize(sharded)).isGreaterThan(total);
            try (var files = Files.list(sharded)) {
                assertThat(files.filter(p -> p.getFileName().toString().endsWith(".safetensors")).count()).isGreaterThan(2);
            }
            try (LlamaModel a = LlamaModel.load(one); LlamaModel b = LlamaModel.load(sharded);
                    NDManager m = a.manager().newSubManager()) {
                NDArray ids = m.create(new long[][] {{1, 7, 300, 42, 9}});
                assertThat(b.forward(ids, null, null).toFloatArray()).containsExactly(a.forward(ids, null, null).toFloatArray());
            }
        }
        assertThat(dir).isDirectoryNotContaining(p -> p.getFileName().toString().contains(".partial-"));
    }

    private static void assertInfo(SafeTensorsReader r, String name, SafeDType dtype, long... shape) {
        TensorInfo info = r.info(name);
        assertThat(info.dtype()).as(name).isEqualTo(dtype);
        assertThat(info.shape()).as(name).containsExactly(shape);
    }

    @Test
    void everySchemeLoadsBackAndComputesWithItsDequantizedWeights() {
        LlamaConfig config = QuantTestModels.qwen2();
        Path src = dir.resolve("qwen2");
        QuantTestModels.write(src, config, 5, SafeDType.BF16);
        int[][] ids = TestModels.randomIds(1, 2, 7, config.vocabSize());
        for (QuantScheme scheme : QuantScheme.values()) {
            Path out = dir.resolve(scheme.id());
            ModelQuantizer.quantize(src, scheme, out);
            try (LlamaModel q = LlamaModel.load(out); LlamaModel inMemory = ModelQuantizer.loadQuantized(src, scheme);
                    NDManager m = q.manager().newSubManager(); LlamaModel dense = QuantTestModels.dequantizedCopy(q, m)) {
                assertThat(q.isQuantized()).isTrue();
                assertThat(q.quantizedWeights()).hasSize(7 * config.numHiddenLayers());
                assertThat(q.quantizedWeights().values()).allMatch(w -> w.scheme().equals(scheme.id()));
                assertThat(q.weights()).containsKeys("lm_head.weight", "model.embed_tokens.weight",
                        "model.layers.0.self_attn.q_proj.bias", "model.norm.weight");
                float[] logits = q.forward(TestModels.ids(m, ids), null, null).toFloatArray();
                float[] expected = dense.forward(TestModels.ids(m, ids), null, null).toFloatArray();
                float[] memory = inMemory.forward(TestModels.ids(m, ids), null, null).toFloatArray();
                assertThat(maxAbsDiff(logits, expected)).as(scheme + " vs dense on dequantized weights").isLessThan(1e-5);
                assertThat(memory).as(scheme + ": in-memory quantization = written and read back").containsExactly(logits);
            }
        }
        try (SafeTensorsReader r = SafeTensorsReader.open(dir.resolve("int8").resolve("model.safetensors"))) {
            String w = "model.layers.1.mlp.down_proj.weight";
            assertInfo(r, w, SafeDType.I8, 64, 96);
            assertInfo(r, "model.layers.1.mlp.down_proj.SCB", SafeDType.F32, 64);
            assertInfo(r, "model.layers.1.mlp.down_proj.weight_format", SafeDType.U8);
            assertInfo(r, "lm_head.weight", SafeDType.BF16, 80, 64);
        }
        try (SafeTensorsReader r = SafeTensorsReader.open(dir.resolve("nf4").resolve("model.safetensors"))) {
            String w = "model.layers.0.self_attn.k_proj.weight";
            assertInfo(r, w + ".absmax", SafeDType.F32, 16);
            assertThat(r.contains(w + ".nested_absmax")).isFalse();
            assertThat(new String(bytes(r, w + ".quant_state.bitsandbytes__nf4"), StandardCharsets.UTF_8))
                    .isEqualTo("{\"quant_type\": \"nf4\", \"blocksize\": 64, \"dtype\": \"bfloat16\", \"shape\": [16, 64]}");
        }
    }

    private static byte[] bytes(SafeTensorsReader r, String name) {
        ByteBuffer b = r.bytes(name);
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    static double maxAbsDiff(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    @Test
    void refusesWhatItCannotDoWithMessagesThatSayWhy() throws Exception {
        Path src = dir.resolve("qwen2");
        QuantTestModels.write(src, QuantTestModels.qwen2(), 5, SafeDType.F32);
        Path out = dir.resolve("q");
        ModelQuantizer.quantize(src, QuantScheme.NF4, out);
        assertThatThrownBy(() -> ModelQuantizer.quantize(out, QuantScheme.NF4, dir.resolve("again")))
                .hasMessageContaining("already quantized");
        assertThatThrownBy(() -> ModelQuantizer.quantize(src, QuantScheme.INT8, out))
                .hasMessageContaining("already exists and is not empty");
        assertThatThrownBy(() -> QuantScheme.parse("nf3")).hasMessageContaining("[nf4, nf4-dq, int8]");

        Path gptq = dir.resolve("gptq");
        Files.createDirectories(gptq);
        Files.writeString(gptq.resolve("config.json"), Files.readString(out.resolve("config.json"))
                .replace("\"quant_method\" : \"bitsandbytes\"", "\"quant_method\" : \"gptq\""));
        Files.copy(out.resolve("model.safetensors"), gptq.resolve("model.safetensors"));
        assertThatThrownBy(() -> LlamaModel.load(gptq)).hasMessageContaining("quant_method 'gptq' is not supported");

        Path fp4 = dir.resolve("fp4");
        Files.createDirectories(fp4);
        Files.writeString(fp4.resolve("config.json"), Files.readString(out.resolve("config.json"))
                .replace("\"bnb_4bit_quant_type\" : \"nf4\"", "\"bnb_4bit_quant_type\" : \"fp4\""));
        Files.copy(out.resolve("model.safetensors"), fp4.resolve("model.safetensors"));
        assertThatThrownBy(() -> LlamaModel.load(fp4)).hasMessageContaining("bnb_4bit_quant_type 'fp4' is not supported");
    }
}
