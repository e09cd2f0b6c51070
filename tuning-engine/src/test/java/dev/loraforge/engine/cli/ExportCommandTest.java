package dev.loraforge.engine.cli;

import static dev.loraforge.engine.cli.TuneRun.tune;
import static org.assertj.core.api.Assertions.assertThat;

import dev.loraforge.engine.export.GgufExport;
import dev.loraforge.engine.fixtures.TinyModelGenerator;
import dev.loraforge.engine.io.SafeDType;
import dev.loraforge.engine.io.SafeTensorsReader;
import dev.loraforge.engine.io.SafeTensorsWriter;
import dev.loraforge.engine.lora.LoraAdapter;
import dev.loraforge.engine.lora.LoraConfig;
import dev.loraforge.engine.model.Family;
import dev.loraforge.engine.model.LlamaModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tune export} end to end: merged directories and GGUF files, with and without an adapter. */
class ExportCommandTest {

    @TempDir
    Path tmp;


    @Test
    void mergedAndGgufExportsOfAnAdaptedModel() throws Exception {
        Path model = tmp.resolve("model");
        assertThat(tune("init-model", "--preset", "tiny", "--out", model.toString()).code()).isZero();
        Path adapter = randomAdapter(model, tmp.resolve("adapter"));

        Path merged = tmp.resolve("merged");
        TuneRun m = tune("export", "--model", model.toString(), "--adapter", adapter.toString(), "--format", "merged",
                "--out", merged.toString());
        assertThat(m.code()).as(m.err()).isZero();
        assertThat(merged.resolve("tokenizer.json")).hasSameBinaryContentAs(model.resolve("tokenizer.json"));
        try (SafeTensorsReader base = SafeTensorsReader.openModel(model); SafeTensorsReader out = SafeTensorsReader.openModel(merged)) {
            String q = "model.layers.0.self_attn.q_proj.weight";
            assertThat(out.readFloats(q)).isNotEqualTo(base.readFloats(q));
        }

        Path gguf = tmp.resolve("gguf/tuned.gguf");
        TuneRun g = tune("export", "--model", model.toString(), "--adapter", adapter.toString(), "--format", "gguf",
                "--out", gguf.toString(), "--name", "tuned");
        assertThat(g.code()).as(g.err()).isZero();
        assertThat(g.out()).contains("wrote " + gguf).contains("llama, 20 tensors");
        try (Stream<Path> left = Files.list(gguf.getParent())) {
            assertThat(left).containsExactly(gguf);            // the temporary merge is gone
        }
        // the same file as converting the merged directory
        Path reference = tmp.resolve("reference.gguf");
        GgufExport.write(merged, reference, "tuned");
        assertThat(gguf).hasSameBinaryContentAs(reference);

        Path baseGguf = tmp.resolve("base.gguf");
        TuneRun b = tune("export", "--model", model.toString(), "--format", "gguf", "--out", baseGguf.toString(), "--name", "tuned");
        assertThat(b.code()).as(b.err()).isZero();
        assertThat(Files.size(baseGguf)).isEqualTo(Files.size(gguf));
        assertThat(Files.readAllBytes(baseGguf)).isNotEqualTo(Files.readAllBytes(gguf));
    }

    @Test
    void badExportsExitTwoNamingWhatToFix() throws Exception {
        Path model = tmp.resolve("model");
        TinyModelGenerator.write(TinyModelGenerator.Preset.TINY, model, 1);

        TuneRun noAdapter = tune("export", "--model", model.toString(), "--format", "merged", "--out", tmp.resolve("m").toString());
        assertThat(noAdapter.code()).isEqualTo(2);
        assertThat(noAdapter.err()).contains("--format merged needs --adapter");

        TuneRun format = tune("export", "--model", model.toString(), "--format", "onnx", "--out", tmp.resolve("x").toString());
        assertThat(format.code()).isEqualTo(2);
        assertThat(format.err()).contains("--format onnx is not known; use merged or gguf");

        TuneRun missing = tune("export", "--model", tmp.resolve("nope").toString(), "--format", "gguf", "--out", tmp.resolve("y.gguf").toString());
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("--model " + tmp.resolve("nope") + " is not a directory");

        TuneRun noOut = tune("export", "--model", model.toString(), "--format", "gguf");
        assertThat(noOut.code()).isEqualTo(2);
        assertThat(noOut.err()).contains("--out");

        Path qwen3 = tmp.resolve("qwen3");
        TinyModelGenerator.write(TinyModelGenerator.Preset.TINY, Family.QWEN3, qwen3, 1);
        TuneRun family = tune("export", "--model", qwen3.toString(), "--format", "gguf", "--out", tmp.resolve("q.gguf").toString());
        assertThat(family.code()).isEqualTo(2);
        assertThat(family.err()).contains("'qwen3'").contains("--format merged");
        assertThat(tmp.resolve("q.gguf")).doesNotExist();
    }

    /** A LoRA adapter on every projection with random B, so that merging changes every adapted weight. */
    private static Path randomAdapter(Path model, Path dir) {
        try (LlamaModel m = LlamaModel.load(model);
             LoraAdapter lora = LoraAdapter.create(m, LoraConfig.of(4, 8, 0, List.of("all-linear")), 3)) {
            lora.save(dir);
        }
        Path file = dir.resolve("adapter_model.safetensors");
        SafeTensorsWriter w = new SafeTensorsWriter().metadata("format", "pt");
        Random r = new Random(7);
        try (SafeTensorsReader in = SafeTensorsReader.open(file)) {
            for (String name : in.names()) {
                float[] v = in.readFloats(name);
                if (name.contains(".lora_B.")) {
                    for (int i = 0; i < v.length; i++) {
                        v[i] = (float) (r.nextGaussian() * 0.2);
                    }
                }
                w.addFloats(name, v, in.info(name).shape(), SafeDType.F32);
            }
        }
        w.write(file);
        return dir;
    }
}
