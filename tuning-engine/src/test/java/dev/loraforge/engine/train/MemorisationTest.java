package dev.loraforge.engine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loraforge.engine.data.ChatMessage;
import dev.loraforge.engine.data.DatasetValidator;
import dev.loraforge.engine.data.EncodedExample;
import dev.loraforge.engine.data.Example;
import dev.loraforge.engine.data.ExampleEncoder;
import dev.loraforge.engine.fixtures.DemoDatasets;
import dev.loraforge.engine.fixtures.TinyModelGenerator;
import dev.loraforge.engine.generate.GenerationOptions;
import dev.loraforge.engine.generate.Generator;
import dev.loraforge.engine.lora.LoraAdapter;
import dev.loraforge.engine.lora.LoraConfig;
import dev.loraforge.engine.model.LlamaModel;
import dev.loraforge.engine.tokenizer.ModelTokenizer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The end-to-end property of fine-tuning: a model that trained on answers says them back. */
class MemorisationTest {

    @Test
    void lossFallsAndGreedyGenerationReproducesTheTrainedAnswers(@TempDir Path dir) throws Exception {
        TinyModelGenerator.write(TinyModelGenerator.Preset.TINY, dir, 1);
        List<Example.Chat> chats = DatasetValidator.parse(DemoDatasets.open(DemoDatasets.PIRATE), 5).examples().stream()
                .limit(4).map(Example.Chat.class::cast).toList();
        try (ModelTokenizer tok = ModelTokenizer.load(dir); LlamaModel model = LlamaModel.load(dir);
                LoraAdapter lora = LoraAdapter.create(model, LoraConfig.of(16, 32, 0.0, List.of(LoraConfig.ALL_LINEAR)), 7)) {
            ExampleEncoder encoder = new ExampleEncoder(tok, 160);
            List<EncodedExample> train = encoder.encodeAll(List.copyOf(chats)).examples();
            assertEquals(4, train.size());
            TrainConfig config = TrainConfig.builder().learningRate(1e-2).maxSteps(80).batchSize(4).warmupSteps(5)
                    .schedule(LrSchedule.Kind.COSINE).seed(3).build();
            TrainResult result;
            try (FineTuneLoop loop = new FineTuneLoop(model, lora, config, train, train, tok.padId())) {
                result = loop.run();
            }
            double first = result.losses().get(0);
            assertTrue(first > 7.5, "a random model starts near ln(4096): " + first);
            assertTrue(result.finalLoss() < 0.05, "memorised: final loss " + result.finalLoss());
            assertTrue(result.valLoss() < 0.05, "validation on the same examples: " + result.valLoss());

            Generator generator = new Generator(model);
            for (Example.Chat chat : chats) {
                List<ChatMessage> prompt = chat.messages().subList(0, chat.messages().size() - 1);
                String answer = chat.messages().get(chat.messages().size() - 1).content();
                int[] ids = tok.encode(encoder.chatTemplate().render(prompt, true));
                var adapted = generator.generate(ids, lora, GenerationOptions.greedy(80).withEos(List.of(tok.eosId().orElseThrow())));
                assertEquals(answer, tok.decode(adapted.tokens(), true));
                assertEquals("stop", adapted.finishReason(), "the model learned to end its turn");
                var base = generator.generate(ids, null, GenerationOptions.greedy(20));
                assertNotEquals(answer, tok.decode(base.tokens(), true), "the base model alone does not know the answer");
            }
        }
    }
}
