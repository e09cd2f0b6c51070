package dev.loraforge.engine.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loraforge.engine.fixtures.DemoDatasets;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetValidatorTest {

    private static List<ValidationError> validate(String text, int max) {
        return DatasetValidator.validate(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), max);
    }

    @Test
    void bundledDatasetsAreValid() {
        for (String name : DemoDatasets.ALL) {
            DatasetValidator.Result r = DatasetValidator.parse(DemoDatasets.open(name), 10);
            assertTrue(r.valid(), name + ": " + r.errors());
            assertTrue(r.examples().size() >= 12, name);
        }
        assertEquals(DatasetFormat.CHAT, DatasetValidator.parse(DemoDatasets.open(DemoDatasets.PIRATE), 10).format());
        assertEquals(DatasetFormat.PROMPT_COMPLETION, DatasetValidator.parse(DemoDatasets.open(DemoDatasets.CAPITALS), 10).format());
        assertEquals(DatasetFormat.TEXT, DatasetValidator.parse(DemoDatasets.open(DemoDatasets.STORIES), 10).format());
    }

    @Test
    void toolUseLinesAreReadAndTheirMistakesNamed() {
        String user = "{\"role\": \"user\", \"content\": \"q\"}";
        String data = String.join("\n",
                AssistantSpansRealTemplatesTest.TOOL_LINE,
                "{\"messages\": [" + user + ", {\"role\": \"assistant\", \"tool_calls\": [{\"type\": \"function\","
                        + " \"function\": {\"name\": \"f\", \"arguments\": \"{not json\"}}]}]}",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"q\", \"tool_calls\": [{\"function\": {\"name\": \"f\"}}]},"
                        + " {\"role\": \"assistant\", \"content\": \"a\"}]}",
                "{\"tools\": {\"name\": \"f\"}, \"messages\": [" + user + ", {\"role\": \"assistant\", \"content\": \"a\"}]}",
                "{\"messages\": [" + user + ", {\"role\": \"assistant\", \"tool_calls\": [{\"type\": \"function\","
                        + " \"function\": {\"name\": \"f\", \"arguments\": \"[1]\"}}]}]}",
                "{\"messages\": [" + user + ", {\"role\": \"assistant\", \"function_call\": {\"name\": \"f\"}}]}");
        List<ValidationError> errors = validate(data, 100);
        assertEquals(List.of(2L, 3L, 4L, 5L, 6L), errors.stream().map(ValidationError::line).toList(), errors.toString());
        assertTrue(errors.get(0).message().contains("messages[1].tool_calls[0].function.arguments is not valid JSON"),
                errors.get(0).message());
        assertTrue(errors.get(1).message().contains("only assistant messages may have them"), errors.get(1).message());
        assertTrue(errors.get(2).message().startsWith("\"tools\" must be an array"), errors.get(2).message());
        assertTrue(errors.get(3).message().contains("must encode a JSON object, found array"), errors.get(3).message());
        assertTrue(errors.get(4).message().contains("write it as \"tool_calls\""), errors.get(4).message());
    }

    @Test
    void reportsEachMalformedLineWithItsNumberAndReason() {
        String data = String.join("\n",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"assistant\", \"content\": \"hello\"}]}",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}",
                "",
                "[1, 2]",
                "{\"messages\": [{\"role\": \"function\", \"content\": \"x\"}]}",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"only a question\"}]}",
                "{\"messages\": [{\"role\": \"assistant\", \"content\": \"a\", \"weight\": 2}]}",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"q\", \"weight\": 1}, {\"role\": \"assistant\", \"content\": \"a\"}]}",
                "{\"prompt\": \"p\", \"completion\": \"c\"}",
                "{\"input\": \"x\"}",
                "{\"messages\": [{\"role\": \"user\", \"content\": 5}, {\"role\": \"assistant\", \"content\": \"a\"}]}",
                "{\"messages\": [{\"role\": \"assistant\", \"content\": \"a\", \"weight\": 0}]}",
                "{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"q\"}]}, {\"role\": \"assistant\", \"content\": \"a\"}]}");
        List<ValidationError> errors = validate(data, 100);
        assertEquals(List.of(2L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L), errors.stream().map(ValidationError::line).toList(), errors.toString());
        assertTrue(errors.get(0).message().startsWith("invalid JSON"), errors.get(0).message());
        assertEquals("expected a JSON object, found array", errors.get(1).message());
        assertTrue(errors.get(2).message().contains("role \"function\""), errors.get(2).message());
        assertTrue(errors.get(3).message().startsWith("no assistant message"), errors.get(3).message());
        assertTrue(errors.get(4).message().contains("it must be 0 or 1"), errors.get(4).message());
        assertTrue(errors.get(5).message().contains("only assistant messages may have one"), errors.get(5).message());
        assertTrue(errors.get(6).message().contains("line 1 set the file's format to chat"), errors.get(6).message());
        assertTrue(errors.get(7).message().contains("found keys [input]"), errors.get(7).message());
        assertTrue(errors.get(8).message().contains("messages[0].content must be a string, found number"), errors.get(8).message());
        assertTrue(errors.get(9).message().startsWith("no assistant message"), errors.get(9).message());
        assertEquals("line 2: " + errors.get(0).message(), errors.get(0).toString());
    }

    @Test
    void stopsAtTheErrorLimitAndRefusesAnEmptyFile() {
        String bad = "nope\n".repeat(20);
        assertEquals(3, validate(bad, 3).size());
        List<ValidationError> empty = validate("\n\n", 5);
        assertEquals(1, empty.size());
        assertEquals(0, empty.get(0).line());
        assertTrue(empty.get(0).message().contains("no examples"));
        assertEquals(1, validate("{\"text\": \"\"}", 5).size(), "empty text is refused");
        assertEquals(1, validate("{\"prompt\": \"p\"}", 5).size(), "a prompt without completion is refused");
    }

    @Test
    void rejectsInvalidUtf8WithItsLine() {
        byte[] bytes = "{\"text\": \"ok\"}\n{\"text\": \"\u00ff\"}\n".getBytes(StandardCharsets.ISO_8859_1);
        List<ValidationError> errors = DatasetValidator.validate(new ByteArrayInputStream(bytes), 5);
        assertEquals(1, errors.size());
        assertEquals(2, errors.get(0).line());
        assertTrue(errors.get(0).message().contains("UTF-8"));
    }

    @Test
    void readThrowsWithAllErrorsAndParsesWeights(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.jsonl");
        Files.writeString(bad, "{\"text\": \"a\"}\n{\"text\": 1}\n{\"text\": \"b\"}\nxx\n");
        DatasetException e = assertThrows(DatasetException.class, () -> DatasetValidator.read(bad));
        assertEquals(2, e.errors().size());
        assertTrue(e.getMessage().contains("line 2: \"text\" must be a string, found number"), e.getMessage());
        assertTrue(e.getMessage().contains("line 4: invalid JSON"), e.getMessage());

        Path good = dir.resolve("good.jsonl");
        Files.writeString(good, "{\"messages\": [{\"role\": \"user\", \"content\": \"q\"}, {\"role\": \"assistant\", \"content\": \"a\", \"weight\": 0},"
                + " {\"role\": \"user\", \"content\": \"q2\"}, {\"role\": \"assistant\", \"content\": \"a2\"}]}\n");
        Example.Chat chat = assertInstanceOf(Example.Chat.class, DatasetValidator.read(good).examples().get(0));
        assertEquals(List.of(false, false, false, true), chat.messages().stream().map(ChatMessage::trained).toList());
    }
}
