package dev.loraforge.engine.cli;

import static dev.loraforge.engine.cli.TuneRun.tune;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loraforge.engine.data.DatasetValidator;
import dev.loraforge.engine.data.EncodedExample;
import dev.loraforge.engine.data.EncodedPreference;
import dev.loraforge.engine.data.Example;
import dev.loraforge.engine.data.ExampleEncoder;
import dev.loraforge.engine.data.PreferenceEncoder;
import dev.loraforge.engine.fixtures.DemoDatasets;
import dev.loraforge.engine.fixtures.PreferencePairs;
import dev.loraforge.engine.io.SafeTensorsReader;
import dev.loraforge.engine.model.LlamaConfig;
import dev.loraforge.engine.reference.ReferenceLlama;
import dev.loraforge.engine.reference.TestModels;
import dev.loraforge.engine.tokenizer.ModelTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tune eval} on the tiny preset. Every number it prints is checked against an independent computation: the
 * logits of {@link ReferenceLlama} (plain double loops over the safetensors weights and the saved LoRA matrices, no
 * engine code), a plain-Java log-softmax over them, response log-probabilities summed as TRL sums them, and the DPO
 * loss written from its formula; the token cross-entropy and accuracy of supervised examples the same way.
 */
class EvalCliTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SEQ_LEN = 128;

    @TempDir
    static Path tmp;
    static Path model;
    static Path prefs;
    static Path dpoAdapter;
    static JsonNode dpoTrainMetrics;
    static Path chat;
    static Path sftAdapter;
    static JsonNode sftTrainMetrics;

    @BeforeAll
    static void trainAdapters() throws Exception {
        model = tmp.resolve("model");
        assertEquals(0, tune("init-model", "--preset", "tiny", "--out", model.toString()).code());
        prefs = PreferencePairs.write(tmp.resolve("prefs.jsonl"), PreferencePairs.openAiLines(6));
        dpoAdapter = tmp.resolve("dpo");
        TuneRun dpo = tune("train", "--model", model.toString(), "--data", prefs.toString(), "--validation", prefs.toString(),
                "--training-method", "dpo", "--beta", "0.2", "--r", "4", "--alpha", "8", "--targets", "all-linear",
                "--lr", "5e-3", "--steps", "4", "--batch", "4", "--seq-len", "" + SEQ_LEN, "--out", dpoAdapter.toString());
        assertEquals(0, dpo.code(), dpo.err());
        dpoTrainMetrics = dpo.lastJson();

        List<String> pirate = DemoDatasets.read(DemoDatasets.PIRATE).lines().filter(l -> !l.isBlank()).limit(6).toList();
        chat = Files.write(tmp.resolve("pirate6.jsonl"), pirate);
        sftAdapter = tmp.resolve("sft");
        TuneRun sft = tune("train", "--model", model.toString(), "--data", chat.toString(), "--validation", chat.toString(),
                "--r", "8", "--alpha", "16", "--targets", "all-linear", "--lr", "1e-2", "--steps", "30", "--batch", "4",
                "--seq-len", "" + SEQ_LEN, "--out", sftAdapter.toString());
        assertEquals(0, sft.code(), sft.err());
        sftTrainMetrics = sft.lastJson();
    }

    @Test
    void dpoEvalOfATrainedAdapterMatchesAnIndependentComputation() throws Exception {
        double beta = 0.2;
        TuneRun run = tune("eval", "--model", model.toString(), "--adapter", dpoAdapter.toString(), "--data", prefs.toString(),
                "--beta", "" + beta, "--seq-len", "" + SEQ_LEN, "--json");
        assertEquals(0, run.code(), run.err());
        List<JsonNode> lines = run.json();
        JsonNode summary = lines.get(lines.size() - 1);
        List<JsonNode> rows = lines.subList(0, lines.size() - 1);
        assertEquals(6, rows.size(), run.out());

        List<EncodedPreference> pairs;
        try (ModelTokenizer tok = ModelTokenizer.load(model)) {
            pairs = new PreferenceEncoder(tok, SEQ_LEN).encodeAll(PreferencePairs.parse(Files.readAllLines(prefs))).pairs();
        }
        ReferenceLlama policy = reference(model, dpoAdapter);
        ReferenceLlama base = reference(model, null);
        double lossSum = 0;
        double marginSum = 0;
        int ahead = 0;
        double moved = 0;
        for (int i = 0; i < rows.size(); i++) {
            JsonNode r = rows.get(i);
            EncodedPreference p = pairs.get(i);
            assertEquals(i, r.path("index").asInt());
            assertEquals(i + 1, r.path("line").asInt());
            assertEquals(p.chosenIds().length, r.path("chosen_tokens").asInt());
            double pc = r.path("policy_chosen_logp").asDouble();
            double pr = r.path("policy_rejected_logp").asDouble();
            double rc = r.path("reference_chosen_logp").asDouble();
            double rr = r.path("reference_rejected_logp").asDouble();
            // float32 engine against the double reference, summed over ~60 tokens of log-probability ~-5 each
            // (observed differences below 1e-4; the adapter moves these sums by several units)
            assertEquals(responseLogp(policy, p.promptIds(), p.chosenIds()), pc, 5e-4, "policy chosen, pair " + i);
            assertEquals(responseLogp(policy, p.promptIds(), p.rejectedIds()), pr, 5e-4, "policy rejected, pair " + i);
            assertEquals(responseLogp(base, p.promptIds(), p.chosenIds()), rc, 5e-4, "reference chosen, pair " + i);
            assertEquals(responseLogp(base, p.promptIds(), p.rejectedIds()), rr, 5e-4, "reference rejected, pair " + i);
            double z = beta * ((pc - rc) - (pr - rr));
            double loss = -Math.log(1 / (1 + Math.exp(-z)));
            assertEquals(loss, r.path("loss").asDouble(), 1e-5, "loss of pair " + i);
            assertEquals(beta * (pc - rc), r.path("reward_chosen").asDouble(), 1e-9);
            assertEquals(beta * (pr - rr), r.path("reward_rejected").asDouble(), 1e-9);
            assertEquals(z, r.path("reward_margin").asDouble(), 1e-9);
            lossSum += loss;
            marginSum += z;
            ahead += z > 0 ? 1 : 0;
            moved = Math.max(moved, Math.abs(pc - rc));
        }
        assertTrue(moved > 1e-2, "the adapter changes the policy: largest |pi_c - ref_c| " + moved);
        assertTrue(summary.path("summary").asBoolean(), summary.toString());
        assertEquals("dpo", summary.path("method").asText());
        assertEquals(6, summary.path("examples").asInt());
        assertEquals(lossSum / 6, summary.path("mean_loss").asDouble(), 1e-6);
        assertEquals(marginSum / 6, summary.path("rewards/margins").asDouble(), 1e-6);
        assertEquals(ahead / 6.0, summary.path("rewards/accuracies").asDouble(), 1e-12);
        // the same adapter on the same pairs as tune train's validation pass
        assertEquals(dpoTrainMetrics.path("eval_loss").asDouble(), summary.path("mean_loss").asDouble(), 1e-6);
        assertTrue(Math.abs(summary.path("mean_loss").asDouble() - Math.log(2)) > 1e-3, "trained: " + summary);

        TuneRun table = tune("eval", "--model", model.toString(), "--adapter", dpoAdapter.toString(), "--data", prefs.toString(),
                "--beta", "" + beta, "--max-seq-len", "" + SEQ_LEN);
        assertEquals(0, table.code(), table.err());
        assertTrue(table.out().contains("policy_chosen"), table.out());
        assertTrue(table.lastLine().startsWith("6 pairs, beta 0.2: mean loss "), table.lastLine());
        assertTrue(table.lastLine().contains(String.format("mean loss %.5f", lossSum / 6)), table.lastLine());
    }

    @Test
    void withoutAnAdapterThePolicyIsTheReferenceAndEveryLossIsLn2() throws Exception {
        Path plain = PreferencePairs.write(tmp.resolve("plain.jsonl"), PreferencePairs.plainLines(4));
        for (Path data : List.of(prefs, plain)) {
            TuneRun run = tune("eval", "--model", model.toString(), "--data", data.toString(), "--json", "--seq-len", "" + SEQ_LEN);
            assertEquals(0, run.code(), run.err());
            List<JsonNode> lines = run.json();
            for (JsonNode r : lines.subList(0, lines.size() - 1)) {
                assertEquals(r.path("reference_chosen_logp").asDouble(), r.path("policy_chosen_logp").asDouble(), 0.0, r.toString());
                assertEquals(r.path("reference_rejected_logp").asDouble(), r.path("policy_rejected_logp").asDouble(), 0.0);
                assertTrue(r.path("policy_chosen_logp").asDouble() < 0, r.toString());
                assertEquals(Math.log(2), r.path("loss").asDouble(), 1e-6);
                assertEquals(0.0, r.path("reward_margin").asDouble(), 0.0);
            }
            JsonNode summary = lines.get(lines.size() - 1);
            assertEquals("dpo", summary.path("method").asText(), "inferred from the file");
            assertEquals(Math.log(2), summary.path("mean_loss").asDouble(), 1e-6);
            assertEquals(0.0, summary.path("rewards/accuracies").asDouble(), 0.0);
            assertTrue(summary.path("adapter").isNull());
        }
    }

    @Test
    void supervisedEvalMatchesAnIndependentComputationAndTheTrainedAdapterLowersTheLoss() throws Exception {
        TuneRun base = tune("eval", "--model", model.toString(), "--data", chat.toString(), "--json", "--seq-len", "" + SEQ_LEN);
        TuneRun tuned = tune("eval", "--model", model.toString(), "--adapter", sftAdapter.toString(), "--data", chat.toString(),
                "--method", "supervised", "--json", "--seq-len", "" + SEQ_LEN);
        assertEquals(0, base.code(), base.err());
        assertEquals(0, tuned.code(), tuned.err());

        List<Example> examples = DatasetValidator.read(chat).examples();
        List<EncodedExample> encoded;
        try (ModelTokenizer tok = ModelTokenizer.load(model)) {
            ExampleEncoder encoder = new ExampleEncoder(tok, SEQ_LEN);
            encoded = examples.stream().map(encoder::encode).toList();
        }
        for (TuneRun run : List.of(base, tuned)) {
            ReferenceLlama ref = reference(model, run == base ? null : sftAdapter);
            List<JsonNode> lines = run.json();
            assertEquals(examples.size() + 1, lines.size(), run.out());
            double nll = 0;
            long tokens = 0;
            long correct = 0;
            for (int i = 0; i < examples.size(); i++) {
                JsonNode r = lines.get(i);
                double[] expected = tokenScores(ref, encoded.get(i)); // {nll, tokens, correct}
                assertEquals(i, r.path("index").asInt());
                assertEquals((long) expected[1], r.path("tokens").asLong(), "scored tokens of example " + i);
                assertEquals(expected[0] / expected[1], r.path("loss").asDouble(), 1e-5, "loss of example " + i);
                assertEquals(expected[2] / expected[1], r.path("mean_token_accuracy").asDouble(), 1e-12, "accuracy of " + i);
                nll += expected[0];
                tokens += (long) expected[1];
                correct += (long) expected[2];
            }
            JsonNode summary = lines.get(lines.size() - 1);
            assertEquals("supervised", summary.path("method").asText());
            assertEquals(tokens, summary.path("tokens").asLong());
            assertEquals(nll / tokens, summary.path("mean_loss").asDouble(), 1e-5, "token-weighted mean");
            assertEquals((double) correct / tokens, summary.path("mean_token_accuracy").asDouble(), 1e-12);
        }
        double tunedAccuracy = tuned.lastJson().path("mean_token_accuracy").asDouble();
        assertTrue(tunedAccuracy > 0.2 && tunedAccuracy < 1, "some tokens right and some wrong: " + tunedAccuracy);
        double baseLoss = base.lastJson().path("mean_loss").asDouble();
        double tunedLoss = tuned.lastJson().path("mean_loss").asDouble();
        assertTrue(tunedLoss < baseLoss - 0.1, "trained " + tunedLoss + " vs base " + baseLoss);
        // the same numbers as tune train's validation pass over the same file
        assertEquals(sftTrainMetrics.path("val_loss").asDouble(), tunedLoss, 1e-6);
        assertEquals(sftTrainMetrics.path("valid_mean_token_accuracy").asDouble(),
                tuned.lastJson().path("mean_token_accuracy").asDouble(), 1e-12);

        TuneRun table = tune("eval", "--model", model.toString(), "--adapter", sftAdapter.toString(), "--data", chat.toString(),
                "--seq-len", "" + SEQ_LEN);
        assertEquals(0, table.code(), table.err());
        assertTrue(table.lastLine().matches("6 examples, \\d+ scored tokens: mean loss .* \\(token-weighted\\).*"), table.lastLine());
    }

    @Test
    void usageErrorsExitTwo() throws Exception {
        String m = model.toString();
        String p = prefs.toString();
        String c = chat.toString();
        Path bad = Files.writeString(tmp.resolve("bad.jsonl"), Files.readAllLines(chat).get(0) + "\n{\"messages\": 3}\n");

        assertExit2(tune("eval", "--model", tmp.resolve("nope").toString(), "--data", p), "model directory", "does not exist");
        assertExit2(tune("eval", "--model", m, "--data", tmp.resolve("missing.jsonl").toString()), "dataset file not found");
        assertExit2(tune("eval", "--model", m, "--adapter", tmp.resolve("none").toString(), "--data", p),
                "adapter directory", "does not exist");
        assertExit2(tune("eval", "--model", m, "--adapter", model.toString(), "--data", p), "no adapter_config.json");
        assertExit2(tune("eval", "--model", m, "--data", bad.toString()), "line 2");
        assertExit2(tune("eval", "--model", m, "--data", p, "--method", "supervised"),
                "is a preference (DPO) dataset (preference_chat); it needs the dpo training method");
        assertExit2(tune("eval", "--model", m, "--data", c, "--method", "dpo"),
                "is a supervised dataset (chat); it needs the supervised training method");
        assertExit2(tune("eval", "--model", m, "--data", c, "--beta", "0.5"), "beta is for DPO evaluation");
        assertExit2(tune("eval", "--model", m, "--data", c, "--method", "supervised", "--beta", "0.5"), "--beta is for DPO");
        assertExit2(tune("eval", "--model", m, "--data", p, "--beta", "0"), "beta is 0.0; it must be a positive number");
        assertExit2(tune("eval", "--model", m, "--data", p, "--method", "ppo"), "training method is 'ppo'");
        assertExit2(tune("eval", "--model", m, "--data", p, "--seq-len", "100000"), "exceeds the model's max_position_embeddings");
        assertExit2(tune("eval", "--model", m, "--data", p, "--seq-len", "4"), "no preference pair keeps a response token");
        assertExit2(tune("eval", "--model", m, "--data", c, "--batch", "0"), "batch is 0");
        assertExit2(tune("eval", "--data", p), "Missing required option: '--model=DIR'");
    }

    private static void assertExit2(TuneRun run, String... messageParts) {
        assertEquals(2, run.code(), run.err());
        for (String part : messageParts) {
            assertTrue(run.err().contains(part), "expected '" + part + "' in: " + run.err());
        }
        assertFalse(run.err().contains("Exception"), "no stack trace: " + run.err());
    }

    /** The tiny model (and the adapter's saved LoRA matrices) as the independent double-precision reference. */
    static ReferenceLlama reference(Path modelDir, Path adapterDirOrNull) throws Exception {
        LlamaConfig config = LlamaConfig.load(modelDir);
        Map<String, float[]> weights = new HashMap<>();
        try (SafeTensorsReader r = SafeTensorsReader.openModel(modelDir)) {
            for (String name : r.names()) {
                weights.put(name, r.readFloats(name));
            }
        }
        ReferenceLlama.Lora lora = null;
        if (adapterDirOrNull != null) {
            JsonNode cfg = JSON.readTree(adapterDirOrNull.resolve("adapter_config.json").toFile());
            int rank = cfg.path("r").asInt();
            assertFalse(cfg.path("use_rslora").asBoolean(false));
            Map<String, float[]> a = new HashMap<>();
            Map<String, float[]> b = new HashMap<>();
            try (SafeTensorsReader r = SafeTensorsReader.open(adapterDirOrNull.resolve("adapter_model.safetensors"))) {
                for (String key : r.names()) {
                    String module = key.substring("base_model.model.".length(), key.indexOf(".lora_"));
                    (key.contains(".lora_A.") ? a : b).put(module, r.readFloats(key));
                }
            }
            assertFalse(a.isEmpty());
            lora = new ReferenceLlama.Lora(a, b, rank, cfg.path("lora_alpha").asDouble() / rank);
        }
        return new ReferenceLlama(TestModels.dims(config), weights, lora, null, 0);
    }

    /** log p(token | prefix) of each position's next token, from the reference's logits, in double. */
    static double[] nextTokenLogps(ReferenceLlama ref, int[] ids, boolean[] argmaxHit) {
        double[][] logits = ref.logits(ids, null);           // [T][V]
        double[] out = new double[ids.length - 1];
        for (int t = 0; t + 1 < ids.length; t++) {
            double[] z = logits[t];
            double max = Double.NEGATIVE_INFINITY;
            int best = 0;
            for (int k = 0; k < z.length; k++) {
                if (z[k] > max) {
                    max = z[k];
                    best = k;
                }
            }
            double sum = 0;
            for (double v : z) {
                sum += Math.exp(v - max);
            }
            out[t] = z[ids[t + 1]] - max - Math.log(sum);
            if (argmaxHit != null) {
                argmaxHit[t] = best == ids[t + 1];
            }
        }
        return out;
    }

    /** Sum over the response's tokens (end-of-turn included) of log p(token | prompt and the response before it). */
    static double responseLogp(ReferenceLlama ref, int[] prompt, int[] response) {
        int[] ids = new int[prompt.length + response.length];
        System.arraycopy(prompt, 0, ids, 0, prompt.length);
        System.arraycopy(response, 0, ids, prompt.length, response.length);
        double[] logps = nextTokenLogps(ref, ids, null);
        double sum = 0;
        for (int t = prompt.length; t < ids.length; t++) {   // token t is predicted at position t - 1
            sum += logps[t - 1];
        }
        return sum;
    }

    /** {nll, scored tokens, argmax hits} over the example's trained tokens (labels not -100, the first excluded). */
    static double[] tokenScores(ReferenceLlama ref, EncodedExample e) {
        boolean[] hit = new boolean[e.length() - 1];
        double[] logps = nextTokenLogps(ref, e.inputIds(), hit);
        double nll = 0;
        int tokens = 0;
        int correct = 0;
        for (int t = 1; t < e.length(); t++) {
            if (e.labels()[t] != EncodedExample.IGNORE) {
                nll -= logps[t - 1];
                tokens++;
                correct += hit[t - 1] ? 1 : 0;
            }
        }
        return new double[] {nll, tokens, correct};
    }
}

