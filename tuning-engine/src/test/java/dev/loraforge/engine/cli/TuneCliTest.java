package dev.loraforge.engine.cli;

import static dev.loraforge.engine.cli.TuneRun.tune;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loraforge.engine.fixtures.DemoDatasets;
import dev.loraforge.engine.io.Npy;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tune command line end to end on the tiny preset. */
class TuneCliTest {

    private static final ObjectMapper JSON = new ObjectMapper();



    @Test
    void theDeviceIsNamedAndCudaWithoutAGpuExitsTwo(@TempDir Path tmp) throws Exception {
        Path model = tmp.resolve("model");
        assertEquals(0, tune("init-model", "--preset", "tiny", "--out", model.toString()).code());
        Path data = DemoDatasets.copy(DemoDatasets.CAPITALS, tmp.resolve("capitals.jsonl"));
        TuneRun cuda = tune("train", "--model", model.toString(), "--data", data.toString(), "--steps", "1", "--device", "cuda",
                "--out", tmp.resolve("a").toString());
        assertEquals(2, cuda.code(), cuda.err());
        assertTrue(cuda.err().contains("--device: device 'cuda' was asked for, but PyTorch sees no CUDA device"), cuda.err());
        assertTrue(!Files.exists(tmp.resolve("a/adapter_model.safetensors")), "nothing trained on the CPU instead");
        TuneRun bogus = tune("generate", "--model", model.toString(), "--prompt", "hi", "--device", "npu");
        assertEquals(2, bogus.code(), bogus.err());
        assertTrue(bogus.err().contains("device 'npu' is not valid"), bogus.err());
        TuneRun cpu = tune("train", "--model", model.toString(), "--data", data.toString(), "--steps", "1", "--device", "cpu",
                "--out", tmp.resolve("b").toString());
        assertEquals(0, cpu.code(), cpu.err());
        assertEquals("cpu", JSON.readTree(cpu.lastLine()).path("device").asText());
    }

    @Test
    void initTrainLogitsMergeGenerateInspect(@TempDir Path tmp) throws Exception {
        Path model = tmp.resolve("model");
        TuneRun init = tune("init-model", "--preset", "tiny", "--out", model.toString());
        assertEquals(0, init.code(), init.err());
        assertTrue(Files.isRegularFile(model.resolve("tokenizer.json")));

        Path data = DemoDatasets.copy(DemoDatasets.PIRATE, tmp.resolve("pirate.jsonl"));
        Path out = tmp.resolve("adapter");
        TuneRun train = tune("train", "--model", model.toString(), "--data", data.toString(), "--validation", data.toString(),
                "--method", "lora", "--r", "4", "--alpha", "8", "--dropout", "0.05", "--targets", "q_proj,v_proj",
                "--lr", "5e-3", "--steps", "4", "--batch", "2", "--seq-len", "128", "--seed", "1", "--threads", "2",
                "--out", out.toString(), "--checkpoint-every", "2");
        assertEquals(0, train.code(), train.err());
        JsonNode metrics = JSON.readTree(train.lastLine());
        assertEquals("completed", metrics.get("status").asText());
        assertEquals(4, metrics.get("steps").asInt());
        assertTrue(metrics.get("tokens_per_second").asDouble() > 0);
        assertTrue(metrics.get("val_loss").asDouble() > 0);
        assertEquals(Math.exp(metrics.get("val_loss").asDouble()), metrics.get("perplexity").asDouble(), 1e-6);
        assertEquals(26, metrics.get("examples").asInt());
        assertTrue(train.err().contains("step 4/4"), train.err());
        assertTrue(Files.isRegularFile(out.resolve("adapter_config.json")));
        assertTrue(Files.isRegularFile(out.resolve("adapter_model.safetensors")));
        assertTrue(Files.isRegularFile(out.resolve("metrics.json")));
        assertTrue(Files.isDirectory(out.resolve("checkpoints/checkpoint-2")));
        assertTrue(Files.isDirectory(out.resolve("checkpoints/checkpoint-4")));

        // resume from step 2 to the same 4 steps: same final loss
        Path resumed = tmp.resolve("resumed");
        TuneRun again = tune("train", "--model", model.toString(), "--data", data.toString(), "--method", "lora", "--r", "4",
                "--alpha", "8", "--dropout", "0.05", "--targets", "q_proj,v_proj", "--lr", "5e-3", "--steps", "4", "--batch", "2",
                "--seq-len", "128", "--seed", "1", "--out", resumed.toString(),
                "--resume", out.resolve("checkpoints/checkpoint-2").toString());
        assertEquals(0, again.code(), again.err());
        assertEquals(metrics.get("final_loss").asDouble(), JSON.readTree(again.lastLine()).get("final_loss").asDouble(), 1e-5);

        Path adapted = tmp.resolve("adapted.npy");
        TuneRun logits = tune("logits", "--model", model.toString(), "--adapter", out.toString(), "--ids", "1,3,17,200", "--out", adapted.toString());
        assertEquals(0, logits.code(), logits.err());
        Npy.NpyArray a = Npy.readFloat32(adapted);
        assertArrayEquals(new long[] {4, 4096}, a.shape());

        Path merged = tmp.resolve("merged");
        assertEquals(0, tune("merge", "--model", model.toString(), "--adapter", out.toString(), "--out", merged.toString()).code());
        Path mergedLogits = tmp.resolve("merged.npy");
        assertEquals(0, tune("logits", "--model", merged.toString(), "--ids", "1,3,17,200", "--out", mergedLogits.toString()).code());
        Path baseLogits = tmp.resolve("base.npy");
        assertEquals(0, tune("logits", "--model", model.toString(), "--ids", "1,3,17,200", "--out", baseLogits.toString()).code());
        float[] m = Npy.readFloat32(mergedLogits).data();
        float[] b = Npy.readFloat32(baseLogits).data();
        double maxDiffMerged = 0;
        double maxDiffBase = 0;
        for (int i = 0; i < m.length; i++) {
            maxDiffMerged = Math.max(maxDiffMerged, Math.abs(m[i] - a.data()[i]));
            maxDiffBase = Math.max(maxDiffBase, Math.abs(b[i] - a.data()[i]));
        }
        assertTrue(maxDiffMerged < 1e-4, "merged equals adapted: " + maxDiffMerged);
        assertTrue(maxDiffBase > 1e-3, "training changed the logits: " + maxDiffBase);

        TuneRun gen = tune("generate", "--model", model.toString(), "--adapter", out.toString(), "--prompt", "What time is it?",
                "--chat", "--max-new-tokens", "5");
        assertEquals(0, gen.code(), gen.err());
        assertTrue(gen.err().contains("finish_reason"), gen.err());

        TuneRun inspect = tune("inspect", out.toString());
        assertEquals(0, inspect.code(), inspect.err());
        JsonNode info = JSON.readTree(inspect.out());
        assertEquals("LORA", info.get("peft_type").asText());
        assertEquals(4, info.get("r").asInt());
        assertEquals(8, info.get("tensors").get("count").asInt());
        JsonNode ckpt = JSON.readTree(tune("inspect", out.resolve("checkpoints/checkpoint-2").toString()).out());
        assertEquals(2, ckpt.get("global_step").asInt());
        JsonNode modelInfo = JSON.readTree(tune("inspect", model.toString()).out());
        assertEquals(64, modelInfo.get("hidden_size").asInt());
        assertTrue(modelInfo.get("tokenizer").get("chat_template").asBoolean());
    }

    @Test
    void prefixTuningForFractionalEpochs(@TempDir Path tmp) throws Exception {
        Path model = tmp.resolve("model");
        assertEquals(0, tune("init-model", "--preset", "tiny", "--out", model.toString()).code());
        Path data = DemoDatasets.copy(DemoDatasets.CAPITALS, tmp.resolve("capitals.jsonl"));
        Path out = tmp.resolve("prefix");
        TuneRun train = tune("train", "--model", model.toString(), "--data", data.toString(), "--method", "prefix",
                "--virtual-tokens", "4", "--lr", "1e-2", "--epochs", "0.5", "--batch", "4", "--seq-len", "32", "--out", out.toString());
        assertEquals(0, train.code(), train.err());
        // 20 examples / batch 4 = 5 batches per epoch; half an epoch rounds up to 3 updates
        assertEquals(3, JSON.readTree(train.lastLine()).get("steps").asInt());
        JsonNode info = JSON.readTree(tune("inspect", out.toString()).out());
        assertEquals("PREFIX_TUNING", info.get("peft_type").asText());
        assertEquals(4, info.get("num_virtual_tokens").asInt());
        Path logits = tmp.resolve("p.npy");
        assertEquals(0, tune("logits", "--model", model.toString(), "--adapter", out.toString(), "--ids", "1,2", "--out", logits.toString()).code());
        assertArrayEquals(new long[] {2, 4096}, Npy.readFloat32(logits).shape());
    }

    @Test
    void badInputIsRefusedWithLineNumbersAndExitCode2(@TempDir Path tmp) throws Exception {
        Path model = tmp.resolve("model");
        assertEquals(0, tune("init-model", "--preset", "tiny", "--out", model.toString()).code());
        Path bad = tmp.resolve("bad.jsonl");
        Files.writeString(bad, "{\"text\": \"fine\"}\n{\"text\": 3}\n");
        TuneRun r = tune("train", "--model", model.toString(), "--data", bad.toString(), "--steps", "1", "--out", tmp.resolve("o").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("line 2: \"text\" must be a string"), r.err());
        TuneRun noLength = tune("train", "--model", model.toString(), "--data", bad.toString(), "--out", tmp.resolve("o").toString());
        assertEquals(2, noLength.code());
        assertTrue(noLength.err().contains("--steps") && noLength.err().contains("--epochs"), noLength.err());
        TuneRun validate = tune("validate", bad.toString());
        assertEquals(2, validate.code());
        assertEquals(bad + ": line 2: \"text\" must be a string, found number", validate.out().strip());
        Path good = DemoDatasets.copy(DemoDatasets.BUTLER, tmp.resolve("butler.jsonl"));
        TuneRun ok = tune("validate", good.toString());
        assertEquals(0, ok.code(), ok.err());
        assertTrue(ok.out().contains("26 examples, format chat"), ok.out());
        TuneRun preset = tune("init-model", "--preset", "huge", "--out", tmp.resolve("x").toString());
        assertEquals(2, preset.code());
        assertTrue(preset.err().contains("known presets: [tiny, small, qwen2.5-0.5b, llama3.1-8b]"), preset.err());
        TuneRun ids = tune("logits", "--model", model.toString(), "--ids", "1,99999", "--out", tmp.resolve("l.npy").toString());
        assertEquals(2, ids.code());
        assertTrue(ids.err().contains("--ids[1] = 99999 is outside the vocabulary"), ids.err());
    }
}
