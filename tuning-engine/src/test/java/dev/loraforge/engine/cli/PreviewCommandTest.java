package dev.loraforge.engine.cli;

import static dev.loraforge.engine.cli.TuneRun.tune;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loraforge.engine.data.ChatMessage;
import dev.loraforge.engine.data.ChatTemplate;
import dev.loraforge.engine.data.EncodedExample;
import dev.loraforge.engine.fixtures.DemoDatasets;
import dev.loraforge.engine.tokenizer.ModelTokenizer;
import dev.loraforge.engine.tokenizer.SpecialTokens;
import dev.loraforge.engine.tokenizer.TokenizerGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tune preview on the generated ChatML tokenizer: the JSON shape, --limit, --seq-len, bad input. */
class PreviewCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;
    static Path model;
    static Path data;

    @BeforeAll
    static void setUp() throws Exception {
        model = tmp.resolve("model");
        TokenizerGenerator.write(model, DemoDatasets.tokenizerCorpus(), 4096);
        data = tmp.resolve("chat.jsonl");
        Files.writeString(data, String.join("\n",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"Hello?\"}, {\"role\": \"assistant\", \"content\": \"Wrong.\", \"weight\": 0},"
                        + " {\"role\": \"user\", \"content\": \"Again?\"}, {\"role\": \"assistant\", \"content\": \"Ahoy, matey!\"}]}",
                "",
                "{\"messages\": [{\"role\": \"system\", \"content\": \"Be a pirate.\"}, {\"role\": \"user\", \"content\": \"What is the weather like today?\"},"
                        + " {\"role\": \"assistant\", \"content\": \"Arr, the skies be grey and the wind be howlin' across the deck, matey!\"}]}",
                ""));
    }

    @Test
    void jsonGivesTextIdsAndUnshiftedLabelsPerExampleThenASummary() throws Exception {
        TuneRun run = tune("preview", "--model", model.toString(), "--data", data.toString(), "--json");
        assertThat(run.code()).as(run.err()).isZero();
        List<JsonNode> lines = run.json();
        assertThat(lines).hasSize(3);
        JsonNode first = lines.get(0);
        List<String> keys = new ArrayList<>();
        first.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).containsExactly("line", "text", "input_ids", "labels");
        assertThat(first.get("line").asLong()).isEqualTo(1);
        assertThat(lines.get(1).get("line").asLong()).as("blank lines count").isEqualTo(3);

        List<ChatMessage> msgs = List.of(new ChatMessage("user", "Hello?", false), new ChatMessage("assistant", "Wrong.", false),
                new ChatMessage("user", "Again?", false), new ChatMessage("assistant", "Ahoy, matey!", true));
        String expectedText = new ChatTemplate(SpecialTokens.CHAT_TEMPLATE, SpecialTokens.BOS, SpecialTokens.EOS).render(msgs, false);
        assertThat(first.get("text").asText()).isEqualTo(expectedText);
        try (ModelTokenizer tok = ModelTokenizer.load(model)) {
            int[] ids = ints(first.get("input_ids"));
            int[] labels = ints(first.get("labels"));
            assertThat(ids).containsExactly(tok.encode(expectedText));
            List<Integer> trained = new ArrayList<>();
            for (int i = 0; i < ids.length; i++) {
                assertThat(labels[i]).isIn(ids[i], EncodedExample.IGNORE);
                if (labels[i] != EncodedExample.IGNORE) {
                    trained.add(ids[i]);
                }
            }
            assertThat(tok.decode(trained.stream().mapToInt(Integer::intValue).toArray(), false)).isEqualTo("Ahoy, matey!<|im_end|>\n");
            JsonNode summary = lines.get(2).get("summary");
            long tokens = lines.get(0).get("input_ids").size() + lines.get(1).get("input_ids").size();
            assertThat(summary.get("examples").asInt()).isEqualTo(2);
            assertThat(summary.get("tokens").asLong()).isEqualTo(tokens);
            assertThat(summary.get("trained_tokens").asLong()).isEqualTo(trained.size() + countTrained(lines.get(1)));
            assertThat(summary.get("truncated").asInt()).isZero();
        }
    }

    @Test
    void limitAndSeqLenTruncationAreCounted() throws Exception {
        TuneRun limited = tune("preview", "--model", model.toString(), "--data", data.toString(), "--json", "--limit", "1");
        assertThat(limited.code()).as(limited.err()).isZero();
        assertThat(limited.json()).hasSize(2);
        assertThat(limited.json().get(1).get("summary").get("examples").asInt()).isEqualTo(1);

        TuneRun full = tune("preview", "--model", model.toString(), "--data", data.toString(), "--json");
        int secondLength = full.json().get(1).get("input_ids").size();
        int firstLength = full.json().get(0).get("input_ids").size();
        assertThat(secondLength).isGreaterThan(firstLength);
        int seqLen = (firstLength + secondLength) / 2;
        TuneRun cut = tune("preview", "--model", model.toString(), "--data", data.toString(), "--json", "--seq-len", Integer.toString(seqLen));
        assertThat(cut.code()).as(cut.err()).isZero();
        List<JsonNode> lines = cut.json();
        assertThat(lines.get(0).get("input_ids").size()).isEqualTo(firstLength);
        assertThat(lines.get(1).get("input_ids").size()).isEqualTo(seqLen);
        assertThat(lines.get(1).get("labels").size()).isEqualTo(seqLen);
        assertThat(lines.get(2).get("summary").get("truncated").asInt()).isEqualTo(1);
        assertThat(lines.get(2).get("summary").get("tokens").asInt()).isEqualTo(firstLength + seqLen);
    }

    @Test
    void terminalViewMarksTrainedTextAndTheCut() {
        TuneRun run = tune("preview", "--model", model.toString(), "--data", data.toString(), "--seq-len", "40");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).contains("--- line 1: ").contains("[[Ahoy, matey!<|im_end|>\n]]").doesNotContain("[[Wrong.")
                .contains("--- line 3: 40 tokens").contains("truncated").contains("<<cut: ")
                .contains("2 examples, ").contains("1 truncated at --seq-len 40");
    }

    @Test
    void aBadLineExitsTwoNamingFileAndLine() throws Exception {
        Path bad = tmp.resolve("bad.jsonl");
        Files.writeString(bad, "{\"prompt\": \"a\", \"completion\": \"b\"}\n{\"prompt\": 3}\n");
        TuneRun run = tune("preview", "--model", model.toString(), "--data", bad.toString(), "--json");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains(bad.toString()).contains("line 2");
        assertThat(run.out()).isEmpty();

        TuneRun kwargs = tune("preview", "--model", model.toString(), "--data", data.toString(), "--chat-template-kwargs", "[1]");
        assertThat(kwargs.code()).isEqualTo(2);
        assertThat(kwargs.err()).contains("--chat-template-kwargs must be a JSON object");

        Path refused = tmp.resolve("refused.jsonl");
        Files.writeString(refused, "{\"text\": \"fine\"}\n");
        TuneRun missing = tune("preview", "--model", tmp.resolve("nowhere").toString(), "--data", refused.toString());
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("tokenizer.json");
    }

    private static int countTrained(JsonNode example) {
        int n = 0;
        for (Iterator<JsonNode> it = example.get("labels").elements(); it.hasNext(); ) {
            n += it.next().asInt() != EncodedExample.IGNORE ? 1 : 0;
        }
        return n;
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
