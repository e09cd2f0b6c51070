package dev.loraforge.engine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loraforge.engine.data.ChatTemplate;
import dev.loraforge.engine.data.DatasetValidator;
import dev.loraforge.engine.data.EncodedExample;
import dev.loraforge.engine.data.ExampleEncoder;
import dev.loraforge.engine.tokenizer.ModelTokenizer;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tune preview}: what the model will see. Each example goes through {@link ExampleEncoder},
 * the code path {@code tune train} and the trainer service train on, and is shown as its text with
 * the trained tokens marked (ANSI colour on a terminal, {@code [[...]]} otherwise), or with
 * {@code --json} as {@code {"line", "text", "input_ids", "labels"}} per line (labels as
 * transformers', unshifted, -100 where not trained), then a summary. Needs only the model's
 * tokenizer files.
 */
@Command(name = "preview", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Show each example as the model sees it: rendered text, trained tokens marked, truncation.")
final class PreviewCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model directory (tokenizer.json, tokenizer_config.json).")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "JSONL dataset (messages, prompt/completion or text).")
    Path data;

    @Option(names = "--json", description = "One JSON object per example (line, text, input_ids, labels), then a summary object.")
    boolean json;

    @Option(names = "--seq-len", defaultValue = "" + ExampleEncoder.DEFAULT_SEQ_LEN, paramLabel = "N",
            description = "Truncate examples to N tokens, as tune train does (default: ${DEFAULT-VALUE}).")
    int seqLen;

    @Option(names = "--limit", paramLabel = "N", description = "Show only the first N examples.")
    Integer limit;

    @Mixin
    ChatTemplateKwargs templateKwargs;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ON = "\u001b[1;32m";
    private static final String CUT = "\u001b[2m";
    private static final String OFF = "\u001b[0m";

    @Override
    public Integer call() throws Exception {
        if (seqLen < 2) {
            throw new IllegalArgumentException("--seq-len must be at least 2, got " + seqLen);
        }
        if (limit != null && limit < 1) {
            throw new IllegalArgumentException("--limit must be at least 1, got " + limit);
        }
        DatasetValidator.Result dataset = DatasetValidator.read(data);
        // bytes through System.out unchanged: UTF-8 whatever the platform's default charset
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        boolean colour = !json && System.console() != null && System.getenv("NO_COLOR") == null;
        int n = limit == null ? dataset.examples().size() : Math.min(limit, dataset.examples().size());
        long tokens = 0;
        long trained = 0;
        int truncated = 0;
        try (ModelTokenizer tokenizer = ModelTokenizer.load(model)) {
            ExampleEncoder encoder = new ExampleEncoder(tokenizer, seqLen, templateKwargs.values());
            for (int i = 0; i < n; i++) {
                long line = dataset.lines().get(i);
                ExampleEncoder.Encoding e;
                try {
                    e = encoder.encodeDetailed(dataset.examples().get(i));
                } catch (ChatTemplate.TemplateException ex) {
                    throw new IllegalArgumentException(data + ": line " + line + ": " + ex.getMessage(), ex);
                }
                tokens += e.example().length();
                trained += e.trainedTokens();
                truncated += e.truncated() ? 1 : 0;
                out.println(json ? jsonLine(line, e) : display(line, e, colour));
            }
        }
        if (json) {
            ObjectNode summary = JSON.createObjectNode();
            summary.putObject("summary").put("examples", n).put("tokens", tokens).put("trained_tokens", trained)
                    .put("truncated", truncated).put("seq_len", seqLen);
            out.println(JSON.writeValueAsString(summary));
        } else {
            out.printf("%d examples, %d tokens, %d trained tokens, %d truncated at --seq-len %d%n",
                    n, tokens, trained, truncated, seqLen);
        }
        out.flush();
        return 0;
    }

    private static String jsonLine(long line, ExampleEncoder.Encoding e) throws Exception {
        ObjectNode o = JSON.createObjectNode();
        o.put("line", line);
        o.put("text", e.text());
        ArrayNode ids = o.putArray("input_ids");
        for (int id : e.example().inputIds()) {
            ids.add(id);
        }
        ArrayNode labels = o.putArray("labels");
        for (int l : e.example().labels()) {
            labels.add(l);
        }
        return JSON.writeValueAsString(o);
    }

    /** A header line, then the text with each kept trained token's characters marked and the cut-off part dimmed. */
    static String display(long line, ExampleEncoder.Encoding e, boolean colour) {
        EncodedExample ex = e.example();
        String text = e.text();
        boolean[] on = new boolean[text.length()];
        int keptChars = 0;
        for (int i = 0; i < ex.length(); i++) {
            int from = e.tokens().start()[i];
            int to = e.tokens().end()[i];
            keptChars = Math.max(keptChars, to);
            if (ex.labels()[i] != EncodedExample.IGNORE) {
                for (int c = from; c < to; c++) {
                    on[c] = true;
                }
            }
        }
        if (!e.truncated()) {
            keptChars = text.length();
        }
        StringBuilder sb = new StringBuilder();
        sb.append("--- line ").append(line).append(": ").append(ex.length()).append(" tokens, ")
                .append(e.trainedTokens()).append(" trained")
                .append(e.truncated() ? ", truncated (" + (e.tokens().ids().length - ex.length()) + " tokens cut)" : "")
                .append(" ---\n");
        boolean inside = false;
        for (int c = 0; c < keptChars; c++) {
            if (on[c] != inside) {
                sb.append(on[c] ? (colour ? ON : "[[") : (colour ? OFF : "]]"));
                inside = on[c];
            }
            sb.append(text.charAt(c));
        }
        if (inside) {
            sb.append(colour ? OFF : "]]");
        }
        if (keptChars < text.length()) {
            String rest = text.substring(keptChars);
            sb.append(colour ? CUT + rest + OFF : "<<cut: " + rest + ">>");
        }
        return sb.toString();
    }
}
