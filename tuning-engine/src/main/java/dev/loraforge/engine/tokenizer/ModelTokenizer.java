package dev.loraforge.engine.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The tokenizer of a Hugging Face model directory: {@code tokenizer.json} run by the Rust
 * {@code tokenizers} library through DJL, plus the special tokens and chat template of
 * {@code tokenizer_config.json}. Works offline. Close it when done (it holds a native handle).
 */
public final class ModelTokenizer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HuggingFaceTokenizer tokenizer;
    private final Map<String, Integer> tokenIds;
    private final Set<String> specialTokens;
    private final int vocabSize;
    private final String bosToken;
    private final String eosToken;
    private final String padToken;
    private final String unkToken;
    private final String chatTemplate;

    private ModelTokenizer(HuggingFaceTokenizer tokenizer, Map<String, Integer> tokenIds, Set<String> specialTokens,
            int vocabSize, String bosToken, String eosToken, String padToken, String unkToken, String chatTemplate) {
        this.tokenizer = tokenizer;
        this.tokenIds = tokenIds;
        this.specialTokens = Set.copyOf(specialTokens);
        this.vocabSize = vocabSize;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        this.padToken = padToken;
        this.unkToken = unkToken;
        this.chatTemplate = chatTemplate;
    }

    /** Loads {@code dir/tokenizer.json} and, when present, {@code dir/tokenizer_config.json}. */
    public static ModelTokenizer load(Path dir) throws IOException {
        Path json = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(json)) {
            throw new IOException("no tokenizer.json in " + dir + ": the model directory needs a Hugging Face fast tokenizer");
        }
        JsonNode root = JSON.readTree(json.toFile());
        Map<String, Integer> ids = new HashMap<>();
        JsonNode vocab = root.path("model").path("vocab");
        int maxId = -1;
        if (vocab.isObject()) {               // BPE, WordPiece, WordLevel: {"token": id}
            var it = vocab.fields();
            while (it.hasNext()) {
                var e = it.next();
                ids.put(e.getKey(), e.getValue().asInt());
                maxId = Math.max(maxId, e.getValue().asInt());
            }
        } else if (vocab.isArray()) {         // Unigram: [["piece", score], ...], id = index
            int id = 0;
            for (JsonNode piece : vocab) {
                ids.putIfAbsent(piece.path(0).asText(), id);
                maxId = Math.max(maxId, id++);
            }
        }
        Set<String> special = new LinkedHashSet<>();
        for (JsonNode t : root.path("added_tokens")) {
            ids.put(t.path("content").asText(), t.path("id").asInt());
            maxId = Math.max(maxId, t.path("id").asInt());
            if (t.path("special").asBoolean(false)) {
                special.add(t.path("content").asText());
            }
        }
        String bos = null;
        String eos = null;
        String pad = null;
        String unk = null;
        String template = null;
        Path configPath = dir.resolve("tokenizer_config.json");
        if (Files.isRegularFile(configPath)) {
            JsonNode config = JSON.readTree(configPath.toFile());
            bos = tokenText(config.get("bos_token"));
            eos = tokenText(config.get("eos_token"));
            pad = tokenText(config.get("pad_token"));
            unk = tokenText(config.get("unk_token"));
            JsonNode t = config.get("chat_template");
            if (t != null && t.isTextual()) {
                template = t.asText();
            } else if (t != null && t.isArray()) {
                // The list form: [{"name": "default", "template": "..."}, ...]
                for (JsonNode named : t) {
                    if ("default".equals(named.path("name").asText())) {
                        template = named.path("template").asText();
                    }
                }
            }
        }
        Path templateFile = dir.resolve("chat_template.jinja");
        if (template == null && Files.isRegularFile(templateFile)) {
            template = Files.readString(templateFile);
        }
        Map<String, String> options = new HashMap<>();
        options.put("addSpecialTokens", "false");
        options.put("truncation", "false");
        options.put("padding", "false");
        HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(json, options);
        return new ModelTokenizer(hf, ids, special, maxId + 1, bos, eos, pad, unk, template);
    }

    private static String tokenText(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        return node.isObject() ? node.path("content").asText(null) : node.asText();
    }

    /**
     * Token ids of {@code text}, without any special token added (as transformers'
     * {@code add_special_tokens=False}, what {@code apply_chat_template(tokenize=True)} uses: the
     * template writes BOS itself). Special-token text in {@code text}, such as {@code <|im_start|>},
     * becomes that token's single id.
     */
    public int[] encode(String text) {
        return toInts(tokenizer.encode(text, false, false));
    }

    /** Token ids of {@code text} (as {@link #encode}) and where each token lies in it. */
    public Tokens encodeWithOffsets(String text) {
        Encoding e = tokenizer.encode(text, false, false);
        CharSpan[] spans = e.getCharTokenSpans();
        // tokenizers reports offsets in Unicode code points; Java strings index UTF-16 units.
        int[] utf16 = new int[text.codePointCount(0, text.length()) + 1];
        for (int cp = 0, i = 0; i < text.length(); cp++) {
            utf16[cp] = i;
            i += Character.charCount(text.codePointAt(i));
        }
        utf16[utf16.length - 1] = text.length();
        int[] start = new int[spans.length];
        int[] end = new int[spans.length];
        for (int i = 0; i < spans.length; i++) {
            start[i] = utf16[Math.min(spans[i].getStart(), utf16.length - 1)];
            end[i] = utf16[Math.min(spans[i].getEnd(), utf16.length - 1)];
        }
        return new Tokens(toInts(e), start, end);
    }

    /**
     * Token ids and each token's characters {@code [start[i], end[i])} in the encoded text (UTF-16
     * indices, as {@link String#substring}); a special token covers its own text, a character split
     * over several byte-level tokens gives each of them the whole character.
     */
    public record Tokens(int[] ids, int[] start, int[] end) {
    }

    /** Token ids with the tokenizer's post-processor applied (e.g. BOS prepended). */
    public int[] encodeWithSpecialTokens(String text) {
        return toInts(tokenizer.encode(text, true, false));
    }

    private static int[] toInts(Encoding encoding) {
        long[] ids = encoding.getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    public String decode(int[] ids, boolean skipSpecialTokens) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            l[i] = ids[i];
        }
        return tokenizer.decode(l, skipSpecialTokens);
    }

    /** The id of a token spelled exactly {@code token}, if the vocabulary has it. */
    public Optional<Integer> tokenId(String token) {
        return Optional.ofNullable(token == null ? null : tokenIds.get(token));
    }

    /** The texts of the added tokens marked {@code "special": true} in tokenizer.json. */
    public Set<String> specialTokens() {
        return specialTokens;
    }

    /** One more than the largest token id (the embedding needs at least this many rows). */
    public int vocabSize() {
        return vocabSize;
    }

    public Optional<String> bosToken() {
        return Optional.ofNullable(bosToken);
    }

    public Optional<String> eosToken() {
        return Optional.ofNullable(eosToken);
    }

    public Optional<String> padToken() {
        return Optional.ofNullable(padToken);
    }

    public Optional<String> unkToken() {
        return Optional.ofNullable(unkToken);
    }

    public Optional<Integer> bosId() {
        return tokenId(bosToken);
    }

    public Optional<Integer> eosId() {
        return tokenId(eosToken);
    }

    /** The pad id: the pad token's, else the EOS id, else 0 (padding is masked out anyway). */
    public int padId() {
        return tokenId(padToken).or(this::eosId).orElse(0);
    }

    public Optional<String> chatTemplate() {
        return Optional.ofNullable(chatTemplate);
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    /** Loads the tokenizer, wrapping I/O failures. */
    public static ModelTokenizer loadUnchecked(Path dir) {
        try {
            return load(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
