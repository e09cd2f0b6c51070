package dev.loraforge.engine.train;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loraforge.engine.data.ChatMessage;
import dev.loraforge.engine.data.ChatTemplate;
import dev.loraforge.engine.data.DatasetValidator;
import dev.loraforge.engine.data.Example;
import dev.loraforge.engine.fixtures.DemoDatasets;
import dev.loraforge.engine.fixtures.TinyModelGenerator;
import dev.loraforge.engine.generate.GenerationOptions;
import dev.loraforge.engine.generate.Generator;
import dev.loraforge.engine.io.SafeTensorsReader;
import dev.loraforge.engine.lora.LoraAdapter;
import dev.loraforge.engine.model.Family;
import dev.loraforge.engine.model.LlamaConfig;
import dev.loraforge.engine.model.LlamaModel;
import dev.loraforge.engine.model.WeightLayout;
import dev.loraforge.engine.quant.ModelQuantizer;
import dev.loraforge.engine.quant.QuantScheme;
import dev.loraforge.engine.tokenizer.ModelTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each new family end to end through the job the trainer service runs: a tiny random model of the family
 * trains a LoRA adapter on every linear module (and a QLoRA one on its NF4 base) until it answers the
 * trained questions; the saved adapter has PEFT's keys and shapes for that family's modules and, loaded
 * back onto a fresh base, generates the trained answer with the KV cache.
 */
class FamilyTrainingTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(value = Family.class, names = {"QWEN3", "GEMMA3_TEXT", "PHI3"})
    void trainsSavesAsPeftAndAnswersWithTheAdapter(Family family) throws Exception {
        Path model = dir.resolve("model");
        LlamaConfig config = TinyModelGenerator.write(TinyModelGenerator.Preset.TINY, family, model, 3);
        Path data = dir.resolve("pirate.jsonl");
        List<String> lines = DemoDatasets.read(DemoDatasets.PIRATE).lines().limit(3).toList();
        java.nio.file.Files.write(data, lines);
        TrainConfig train = TrainConfig.builder().learningRate(1e-2).batchSize(3).warmupSteps(3)
                .schedule(LrSchedule.Kind.COSINE).seed(5).checkpointEvery(0).build();
        AdapterSpec spec = AdapterSpec.lora(16, 32, List.of("all-linear"));
        FineTuneJob.Outcome done = new FineTuneJob(model, data, null, spec, 160, train.toBuilder().maxSteps(70).build(), 0,
                dir.resolve("out"), null).run(null, null, null);
        assertThat(done.result().status()).isEqualTo(TrainResult.COMPLETED);
        assertThat(done.result().losses().get(0)).as("a random model starts near ln(vocab)").isGreaterThan(6.0);
        assertThat(done.result().finalLoss()).as(family + " memorised").isLessThan(0.1);

        Path adapter = done.adapterDir();
        JsonNode cfg = JSON.readTree(adapter.resolve("adapter_config.json").toFile());
        List<String> targets = new ArrayList<>();
        cfg.get("target_modules").forEach(t -> targets.add(t.asText()));
        assertThat(targets).containsExactlyInAnyOrderElementsOf(config.projections());
        try (SafeTensorsReader r = SafeTensorsReader.open(adapter.resolve("adapter_model.safetensors"))) {
            assertThat(r.names()).hasSize(2 * config.numHiddenLayers() * config.projections().size());
            for (String p : config.projections()) {
                long[] w = WeightLayout.projectionShape(config, p);
                String key = "base_model.model." + WeightLayout.modulePath(1, p);
                assertThat(r.info(key + ".lora_A.weight").shape()).as(key).containsExactly(16, w[1]);
                assertThat(r.info(key + ".lora_B.weight").shape()).as(key).containsExactly(w[0], 16);
            }
        }

        Example.Chat chat = (Example.Chat) DatasetValidator.parse(java.nio.file.Files.newInputStream(data), 5).examples().get(0);
        List<ChatMessage> prompt = chat.messages().subList(0, chat.messages().size() - 1);
        String answer = chat.messages().get(chat.messages().size() - 1).content();
        try (ModelTokenizer tok = ModelTokenizer.load(model); LlamaModel base = LlamaModel.load(model);
             LoraAdapter loaded = LoraAdapter.load(base, adapter)) {
            ChatTemplate template = new ChatTemplate(tok.chatTemplate().orElse(null), tok.bosToken().orElse(null),
                    tok.eosToken().orElse(null));
            int[] ids = tok.encode(template.render(prompt, true));
            var out = new Generator(base).generate(ids, loaded,
                    GenerationOptions.greedy(80).withEos(List.of(tok.eosId().orElseThrow())));
            assertThat(tok.decode(out.tokens(), true)).isEqualTo(answer);
            assertThat(out.finishReason()).isEqualTo("stop");
        }

        Path nf4 = dir.resolve("nf4");
        ModelQuantizer.quantize(model, QuantScheme.NF4_DQ, nf4);
        FineTuneJob.Outcome qlora = new FineTuneJob(nf4, data, null, new AdapterSpec("qlora", 8, 16, 0, null, false,
                "kaiming", 0), 160, train.toBuilder().maxSteps(6).build(), 0, dir.resolve("qlora"), null).run(null, null, null);
        assertThat(qlora.result().status()).isEqualTo(TrainResult.COMPLETED);
        assertThat(qlora.result().finalLoss()).as("QLoRA on the NF4 base learns").isLessThan(qlora.result().losses().get(0));
        JsonNode qcfg = JSON.readTree(qlora.adapterDir().resolve("adapter_config.json").toFile());
        assertThat(qcfg.get("target_modules").toString()).as("PEFT's default modules for " + family)
                .isEqualTo(family == Family.PHI3 ? "[\"qkv_proj\"]" : "[\"q_proj\",\"v_proj\"]");
    }
}
