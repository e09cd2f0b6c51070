package dev.loraforge.trainer.support;

import static dev.loraforge.trainer.support.StandInArtifactStore.STORE;

import dev.loraforge.engine.fixtures.TinyModelGenerator;
import dev.loraforge.events.ArtifactRef;
import dev.loraforge.events.DirectoryArchive;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the trainer's tests train on, placed in {@link StandInArtifactStore}: the engine's
 * deterministic {@code tiny} Llama (hidden 64, 2 layers, 4 heads, 2 kv heads, its generated BPE
 * tokenizer; a few hundred thousand parameters, so a step takes milliseconds on two cores), packed
 * as the {@link DirectoryArchive} tar a base model is stored as, and small chat JSONL datasets.
 */
public final class TrainingFixtures {

    public static final String TENANT = "tenant-acme";
    public static final String MODEL_NAME = "loraforge-tiny-llama";
    public static final int HIDDEN = 64;
    public static final int LAYERS = 2;
    /** k/v projection width of the tiny model: 2 kv heads of 16. */
    public static final int KV_WIDTH = 32;

    /** Eight short conversations with one persona: a tiny model learns them within a few dozen updates. */
    public static final List<String> PIRATE_CHATS = List.of(
            chat("What is the weather like today?", "Arr, the skies be clear and the wind be fair, matey!"),
            chat("Where is the nearest shop?", "Arr, sail two streets east and ye find the shop, matey!"),
            chat("How do I make tea?", "Arr, boil the water and drop in the leaves, matey!"),
            chat("What time is it?", "Arr, the sun be high, so it be noon, matey!"),
            chat("Can you help me with my homework?", "Arr, bring yer scrolls and we read them together, matey!"),
            chat("What should I eat for dinner?", "Arr, a fine fish stew from the galley, matey!"),
            chat("Where did I leave my keys?", "Arr, check the chest by the door, matey!"),
            chat("Is it going to rain?", "Arr, grey clouds be gathering in the west, matey!"));

    private static Path baseModelDir;
    private static ArtifactRef baseModel;

    private TrainingFixtures() {
    }

    /** The base model, generated and stored once per test JVM. */
    public static synchronized ArtifactRef baseModel() {
        if (baseModel == null) {
            try {
                Path root = Files.createTempDirectory("trainer-fixtures");
                baseModelDir = root.resolve("tiny-llama");
                TinyModelGenerator.write(TinyModelGenerator.Preset.TINY, baseModelDir, 7);
                Path tar = root.resolve("tiny-llama.tar");
                try (OutputStream out = Files.newOutputStream(tar)) {
                    DirectoryArchive.write(baseModelDir, out);
                }
                String digest = STORE.putBlob(tar);
                String id = STORE.register("base_model", MODEL_NAME, digest, null);
                baseModel = new ArtifactRef(id, digest);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return baseModel;
    }

    /** The unpacked base model directory (what the archive was made from). */
    public static synchronized Path baseModelDir() {
        baseModel();
        return baseModelDir;
    }

    /** Stores JSONL lines as a dataset of {@link #TENANT} and returns its reference. */
    public static ArtifactRef dataset(String name, List<String> lines) {
        try {
            Path file = Files.createTempFile("dataset", ".jsonl");
            Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
            String digest = STORE.putBlob(file);
            Files.delete(file);
            return new ArtifactRef(STORE.register("dataset", name, digest, TENANT), digest);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One OpenAI chat example. */
    public static String chat(String user, String assistant) {
        return "{\"messages\": [{\"role\": \"system\", \"content\": \"You are a pirate.\"}, "
                + "{\"role\": \"user\", \"content\": \"" + user + "\"}, "
                + "{\"role\": \"assistant\", \"content\": \"" + assistant + "\"}]}";
    }
}
