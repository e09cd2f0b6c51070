package dev.loraforge.engine.cli;

import static dev.loraforge.engine.cli.TuneRun.tune;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loraforge.engine.fixtures.DemoDatasets;
import dev.loraforge.engine.fixtures.PreferencePairs;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tune train --training-method dpo} end to end on the tiny preset, and its usage errors. */
class DpoCliTest {

    @Test
    void dpoTrainsAnAdapterAndPrintsTrlMetrics(@TempDir Path tmp) throws Exception {
        Path model = tmp.resolve("model");
        assertEquals(0, tune("init-model", "--preset", "tiny", "--out", model.toString()).code());
        Path data = PreferencePairs.write(tmp.resolve("prefs.jsonl"), PreferencePairs.openAiLines(8));
        Path out = tmp.resolve("dpo");
        TuneRun run = tune("train", "--model", model.toString(), "--data", data.toString(), "--validation", data.toString(),
                "--training-method", "dpo", "--beta", "0.2", "--r", "4", "--alpha", "8", "--targets", "all-linear", "--lr", "5e-3",
                "--steps", "3", "--batch", "4", "--seq-len", "128", "--out", out.toString());
        assertEquals(0, run.code(), run.err());
        JsonNode m = run.lastJson();
        assertEquals("dpo", m.path("training_method").asText());
        assertEquals(0.2, m.path("beta").asDouble(), 0.0);
        assertEquals(3, m.path("steps").asInt());
        for (String key : new String[] {"loss", "rewards/chosen", "rewards/rejected", "rewards/accuracies", "rewards/margins",
            "eval_loss", "eval_rewards/accuracies"}) {
            assertTrue(m.has(key) && m.get(key).isNumber(), key + " in " + m);
        }
        assertTrue(Files.isRegularFile(out.resolve("adapter_model.safetensors")));
        assertTrue(Files.isRegularFile(out.resolve("adapter_config.json")));
        assertTrue(Files.readString(out.resolve("step_metrics.csv")).startsWith("step,train_loss,rewards/chosen"));

        // --checkpoint-every, then --resume from the output directory: the same run, steps 3-4 trained again
        Path ckpt = tmp.resolve("ckpt");
        String[] common = {"train", "--model", model.toString(), "--data", data.toString(), "--training-method", "dpo",
            "--r", "4", "--alpha", "8", "--lr", "5e-3", "--steps", "4", "--batch", "3", "--seq-len", "128",
            "--checkpoint-every", "2", "--out"};
        TuneRun full = tune(concat(common, ckpt.toString()));
        assertEquals(0, full.code(), full.err());
        assertTrue(Files.isRegularFile(ckpt.resolve("checkpoints/checkpoint-2/trainer_state.json")));
        assertTrue(full.lastJson().path("checkpoint").asText().endsWith("checkpoint-4"), full.lastJson().toString());
        Files.walk(ckpt.resolve("checkpoints/checkpoint-4")).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        TuneRun resumed = tune(concat(common, ckpt.toString(), "--resume", ckpt.toString()));
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.err().contains("resuming from " + ckpt.resolve("checkpoints/checkpoint-2")), resumed.err());
        assertEquals(full.lastJson().path("train_loss").asDouble(), resumed.lastJson().path("train_loss").asDouble(), 1e-5);
        assertEquals(full.lastJson().path("rewards/margins").asDouble(), resumed.lastJson().path("rewards/margins").asDouble(), 1e-5);
        TuneRun otherBeta = tune(concat(common, tmp.resolve("other").toString(), "--beta", "0.5", "--resume", ckpt.toString()));
        assertEquals(2, otherBeta.code(), otherBeta.err());
        assertTrue(otherBeta.err().contains("beta 0.1 vs 0.5"), otherBeta.err());

        Path qlora = tmp.resolve("qlora");
        TuneRun q = tune("train", "--model", model.toString(), "--data", data.toString(), "--training-method", "dpo",
                "--method", "qlora", "--r", "4", "--alpha", "8", "--steps", "1", "--batch", "2", "--seq-len", "128",
                "--out", qlora.toString());
        assertEquals(0, q.code(), q.err());
        assertEquals(Math.log(2), q.lastJson().path("loss").asDouble(), 1e-6, "QLoRA: policy = reference at step 1");
        assertEquals("nf4-dq", q.lastJson().path("base_quantization").asText());
    }

    private static String[] concat(String[] head, String... tail) {
        String[] all = java.util.Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }

    @Test
    void usageErrorsExitTwo(@TempDir Path tmp) throws Exception {
        Path model = tmp.resolve("model");
        assertEquals(0, tune("init-model", "--preset", "tiny", "--out", model.toString()).code());
        Path prefs = PreferencePairs.write(tmp.resolve("prefs.jsonl"), PreferencePairs.plainLines(4));
        Path chat = DemoDatasets.copy(DemoDatasets.PIRATE, tmp.resolve("pirate.jsonl"));
        String out = tmp.resolve("x").toString();

        TuneRun supervised = tune("train", "--model", model.toString(), "--data", prefs.toString(), "--steps", "1", "--out", out);
        assertEquals(2, supervised.code(), supervised.err());
        assertTrue(supervised.err().contains("is a preference (DPO) dataset (preference_text); it needs the dpo training method"),
                supervised.err());

        TuneRun dpo = tune("train", "--model", model.toString(), "--data", chat.toString(), "--training-method", "dpo",
                "--steps", "1", "--out", out);
        assertEquals(2, dpo.code(), dpo.err());
        assertTrue(dpo.err().contains("is a supervised dataset (chat); it needs the supervised training method"), dpo.err());

        TuneRun beta = tune("train", "--model", model.toString(), "--data", chat.toString(), "--beta", "0.5", "--steps", "1",
                "--out", out);
        assertEquals(2, beta.code(), beta.err());
        assertTrue(beta.err().contains("--beta is for --training-method dpo"), beta.err());

        TuneRun badBeta = tune("train", "--model", model.toString(), "--data", prefs.toString(), "--training-method", "dpo",
                "--beta", "0", "--steps", "1", "--out", out);
        assertEquals(2, badBeta.code(), badBeta.err());
        assertTrue(badBeta.err().contains("beta is 0.0; it must be a positive number"), badBeta.err());

        TuneRun prefix = tune("train", "--model", model.toString(), "--data", prefs.toString(), "--training-method", "dpo",
                "--method", "prefix", "--steps", "1", "--out", out);
        assertEquals(2, prefix.code(), prefix.err());
        assertTrue(prefix.err().contains("prefix tuning is not supported with DPO"), prefix.err());

        // --method dpo, as the issue and OpenAI's method.type name it, is LoRA trained with DPO; a contradiction is refused
        TuneRun methodDpo = tune("train", "--model", model.toString(), "--data", prefs.toString(), "--method", "dpo",
                "--beta", "0.3", "--steps", "1", "--batch", "2", "--seq-len", "128", "--out", tmp.resolve("method-dpo").toString());
        assertEquals(0, methodDpo.code(), methodDpo.err());
        assertEquals("dpo", methodDpo.lastJson().path("training_method").asText());
        assertEquals(0.3, methodDpo.lastJson().path("beta").asDouble(), 1e-9);
        TuneRun contradiction = tune("train", "--model", model.toString(), "--data", prefs.toString(), "--method", "dpo",
                "--training-method", "supervised", "--steps", "1", "--out", out);
        assertEquals(2, contradiction.code(), contradiction.err());
        assertTrue(contradiction.err().contains("disagree"), contradiction.err());

        TuneRun unknown = tune("train", "--model", model.toString(), "--data", prefs.toString(), "--training-method", "ppo",
                "--steps", "1", "--out", out);
        assertEquals(2, unknown.code(), unknown.err());
        assertTrue(unknown.err().contains("training method is 'ppo'; it must be supervised or dpo"), unknown.err());
        assertFalse(Files.exists(tmp.resolve("x/adapter_model.safetensors")));
    }
}
