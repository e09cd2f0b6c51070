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
import java.util.List;
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
    private final Set<Integer> addedIds;
    private final char metaspace;       // the space marker of a SentencePiece-style decoder, 0 for byte-level or other
    private final boolean byteLevel;
    private volatile byte[][] bytesById; // built on first use

    private ModelTokenizer(HuggingFaceTokenizer tokenizer, Map<String, Integer> tokenIds, Set<String> specialTokens,
            int vocabSize, String bosToken, String eosToken, String padToken, String unkToken, String chatTemplate,
            Set<Integer> addedIds, JsonNode decoder) {
        this.tokenizer = tokenizer;
        this.addedIds = Set.copyOf(addedIds);
        this.byteLevel = decoderHas(decoder, "ByteLevel");
        char marker = 0;
        for (JsonNode d : decoder.path("type").asText().equals("Sequence") ? decoder.path("decoders") : List.of(decoder)) {
            if (d.path("type").asText().equals("Metaspace")) {
                marker = d.path("replacement").asText("\u2581").charAt(0);
            } else if (d.path("type").asText().equals("Replace") && d.path("content").asText().equals(" ")
                    && d.path("pattern").path("String").asText().length() == 1) {
                marker = d.path("pattern").path("String").asText().charAt(0);
            }
        }
        this.metaspace = marker;
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
        Set<Integer> added = new java.util.HashSet<>();
        for (JsonNode t : root.path("added_tokens")) {
            ids.put(t.path("content").asText(), t.path("id").asInt());
            added.add(t.path("id").asInt());
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
        return new ModelTokenizer(hf, ids, special, maxId + 1, bos, eos, pad, unk, template, added, root.path("decoder"));
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

    private static boolean decoderHas(JsonNode decoder, String type) {
        if (decoder.path("type").asText().equals(type)) {
            return true;
        }
        for (JsonNode d : decoder.path("decoders")) {
            if (d.path("type").asText().equals(type)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The bytes token {@code id} contributes to decoded text (what OpenAI's logprobs report as {@code bytes}): for a
     * byte-level vocabulary (GPT-2, Llama 3, Qwen) the bytes its characters stand for, which may be part of one UTF-8
     * character; for a SentencePiece-style one (Llama 2, Mistral, Gemma) its text with the space marker as a space, and
     * {@code <0xNN>} byte-fallback tokens as that byte; an added token's text as it is; otherwise the token decoded alone.
     * Concatenated over a sequence they are the UTF-8 of its decoding (special tokens kept), except where a decoder strips
     * the sequence's leading space. An id beyond the tokenizer's vocabulary (the padding rows of a model's embedding,
     * which can still appear among the most probable alternatives of a barely trained model) has no bytes.
     */
    public byte[] tokenBytes(int id) {
        byte[][] table = bytesById;
        if (table == null) {
            synchronized (this) {
                table = bytesById;
                if (table == null) {
                    table = new byte[vocabSize][];
                    for (Map.Entry<String, Integer> e : tokenIds.entrySet()) {
                        if (e.getValue() >= 0 && e.getValue() < vocabSize) {
                            table[e.getValue()] = spell(e.getKey(), addedIds.contains(e.getValue()));
                        }
                    }
                    bytesById = table;
                }
            }
        }
        if (id < 0) {
            throw new IllegalArgumentException("token id " + id + " is negative");
        }
        if (id >= table.length) {
            return new byte[0]; // a row of a padded embedding (models round their vocabulary up): no text
        }
        byte[] bytes = table[id];
        if (bytes == null) {
            bytes = decode(new int[] {id}, false).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        return bytes.clone();
    }

    private static final java.util.regex.Pattern BYTE_FALLBACK = java.util.regex.Pattern.compile("<0x([0-9A-Fa-f]{2})>");

    private byte[] spell(String token, boolean added) {
        if (added) {
            return token.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        if (byteLevel) {
            byte[] out = new byte[token.length()];
            for (int i = 0; i < token.length(); i++) {
                int b = ByteLevel.byteOf(token.charAt(i));
                if (b < 0) {
                    return null; // not in the byte alphabet: decode it instead
                }
                out[i] = (byte) b;
            }
            return out;
        }
        if (metaspace != 0) {
            java.util.regex.Matcher m = BYTE_FALLBACK.matcher(token);
            if (m.matches()) {
                return new byte[] {(byte) Integer.parseInt(m.group(1), 16)};
            }
            return token.replace(metaspace, ' ').getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        return null;
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
