package dev.loraforge.inference.support;

import dev.loraforge.contracts.standin.ArtifactStoreStandIn;
import dev.loraforge.engine.data.ChatMessage;
import dev.loraforge.engine.data.DatasetValidator;
import dev.loraforge.engine.data.EncodedExample;
import dev.loraforge.engine.data.Example;
import dev.loraforge.engine.data.ExampleEncoder;
import dev.loraforge.engine.fixtures.DemoDatasets;
import dev.loraforge.engine.fixtures.TinyModelGenerator;
import dev.loraforge.engine.lora.LoraAdapter;
import dev.loraforge.engine.lora.LoraConfig;
import dev.loraforge.engine.model.Family;
import dev.loraforge.engine.model.LlamaConfig;
import dev.loraforge.engine.model.LlamaModel;
import dev.loraforge.engine.model.ModelFixtures;
import dev.loraforge.engine.tokenizer.ModelTokenizer;
import dev.loraforge.engine.train.FineTuneLoop;
import dev.loraforge.engine.train.LrSchedule;
import dev.loraforge.engine.train.TrainConfig;
import dev.loraforge.engine.train.TrainResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the tests serve, made once per JVM with the engine itself (nothing downloaded): the {@code tiny}
 * base model, two LoRA adapters trained on it until they memorise four answers of the pirate and
 * the butler persona (same questions, no system message, so the adapter alone picks the persona),
 * and two adapters that do not fit: one made for a base of another shape, one naming another base.
 */
public final class Fixtures {

    public static final String BASE_NAME = "tiny-llama";
    public static final int QUESTIONS = 4;

    /** A persona's adapter and what it learned: questions (user messages) and their answers. */
    public record Persona(String digest, List<String> questions, List<String> answers) {
    }

    public static String baseDigest;
    /** The tiny base's directory (config, tokenizer with a chat template, weights). */
    public static Path baseDir;
    public static Persona pirate;
    public static Persona butler;
    /** The pirate adapter inside a training checkpoint's archive (adapter/ plus trainer state). */
    public static String pirateCheckpointDigest;
    public static String otherShapeDigest;
    public static String otherBaseNameDigest;
    /** The tiny base with a chat template that reads {@code enable_thinking} (as Qwen3's does). */
    public static String thinkingBaseDigest;
    /** Per new family (qwen3, gemma3_text, phi3): a tiny base of that family and a pirate adapter trained on it. */
    public static final java.util.Map<Family, FamilyBase> families = new java.util.EnumMap<>(Family.class);
    private static boolean ready;

    /** A base of one family and its pirate adapter. */
    public record FamilyBase(String baseDigest, Persona pirate) {
    }

    private Fixtures() {
    }

    /** Builds everything into the stand-in store (once). */
    public static synchronized void prepare(ArtifactStoreStandIn store) throws IOException {
        if (ready) {
            return;
        }
        Path root = Files.createTempDirectory("inference-fixtures");
        Path base = root.resolve("base");
        TinyModelGenerator.write(TinyModelGenerator.Preset.TINY, base, 1);
        baseDigest = store.putDirectory(base);
        baseDir = base;
        try (ModelTokenizer tok = ModelTokenizer.load(base); LlamaModel model = LlamaModel.load(base)) {
            pirate = train(model, tok, DemoDatasets.PIRATE, root.resolve("pirate"), store, 80);
            butler = train(model, tok, DemoDatasets.BUTLER, root.resolve("butler"), store, 80);
            // a training checkpoint's layout: the step's adapter in adapter/, beside the optimizer state
            Path checkpoint = Files.createDirectories(root.resolve("pirate-checkpoint/adapter"));
            try (var files = Files.list(root.resolve("pirate"))) {
                for (Path f : files.toList()) {
                    Files.copy(f, checkpoint.resolve(f.getFileName()));
                }
            }
            Files.writeString(checkpoint.getParent().resolve("trainer_state.json"), "{\"step\":80}");
            pirateCheckpointDigest = store.putDirectory(checkpoint.getParent());
            try (LoraAdapter named = LoraAdapter.create(model, LoraConfig.of(4, 8, 0, List.of("q_proj", "v_proj")), 3)) {
                named.save(root.resolve("named"), "some-other-model");
                otherBaseNameDigest = store.putDirectory(root.resolve("named"));
            }
        }
        // a base of another shape (hidden 32): its adapter's matrices cannot fit the tiny base
        LlamaConfig other = TinyModelGenerator.Preset.TINY.config().toBuilder().hiddenSize(32).intermediateSize(88).build();
        Path otherBase = root.resolve("other-base");
        ModelFixtures.writeRandomModel(otherBase, other, 2);
        try (LlamaModel model = LlamaModel.load(otherBase);
             LoraAdapter lora = LoraAdapter.create(model, LoraConfig.of(4, 8, 0, List.of(LoraConfig.ALL_LINEAR)), 4)) {
            lora.save(root.resolve("other-shape"), BASE_NAME);
            otherShapeDigest = store.putDirectory(root.resolve("other-shape"));
        }
        Path thinking = root.resolve("thinking");
        TinyModelGenerator.write(TinyModelGenerator.Preset.TINY, thinking, 1);
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode tokConfig = (com.fasterxml.jackson.databind.node.ObjectNode)
                json.readTree(thinking.resolve("tokenizer_config.json").toFile());
        tokConfig.put("chat_template", "{%- for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n"
                + "{%- endfor %}{%- if add_generation_prompt %}<|im_start|>assistant\n"
                + "{%- if enable_thinking is defined and enable_thinking is false %}<think>\n\n</think>\n\n{%- endif %}"
                + "{%- endif %}");
        json.writeValue(thinking.resolve("tokenizer_config.json").toFile(), tokConfig);
        thinkingBaseDigest = store.putDirectory(thinking);
        for (Family family : List.of(Family.QWEN3, Family.GEMMA3_TEXT, Family.PHI3)) {
            Path dir = root.resolve(family.modelType());
            TinyModelGenerator.write(TinyModelGenerator.Preset.TINY, family, dir, 1);
            String digest = store.putDirectory(dir);
            try (ModelTokenizer tok = ModelTokenizer.load(dir); LlamaModel model = LlamaModel.load(dir)) {
                families.put(family, new FamilyBase(digest, train(model, tok, DemoDatasets.PIRATE,
                        root.resolve(family.modelType() + "-pirate"), store, 150)));
            }
        }
        ready = true;
    }

    private static Persona train(LlamaModel model, ModelTokenizer tok, String dataset, Path out, ArtifactStoreStandIn store,
                                 int steps) throws IOException {
        List<Example.Chat> chats = DatasetValidator.parse(DemoDatasets.open(dataset), 5).examples().stream()
                .limit(QUESTIONS).map(Example.Chat.class::cast)
                .map(c -> new Example.Chat(c.messages().stream().filter(m -> !m.role().equals(ChatMessage.SYSTEM)).toList()))
                .toList();
        ExampleEncoder encoder = new ExampleEncoder(tok, 160);
        List<EncodedExample> train = encoder.encodeAll(List.copyOf(chats)).examples();
        TrainConfig config = TrainConfig.builder().learningRate(1e-2).maxSteps(steps).batchSize(4).warmupSteps(5)
                .schedule(LrSchedule.Kind.COSINE).seed(3).build();
        try (LoraAdapter lora = LoraAdapter.create(model, LoraConfig.of(16, 32, 0.0, List.of(LoraConfig.ALL_LINEAR)), 7)) {
            TrainResult result;
            try (FineTuneLoop loop = new FineTuneLoop(model, lora, config, train, train, tok.padId())) {
                result = loop.run();
            }
            if (!(result.finalLoss() <= 0.05)) { // NaN fails too
                throw new IllegalStateException(dataset + " did not memorise on " + model.config().modelType()
                        + ": final loss " + result.finalLoss());
            }
            lora.save(out, BASE_NAME);
        }
        List<String> questions = chats.stream().map(c -> c.messages().get(0).content()).toList();
        List<String> answers = chats.stream().map(c -> c.messages().get(1).content()).toList();
        return new Persona(store.putDirectory(out), questions, answers);
    }
}
