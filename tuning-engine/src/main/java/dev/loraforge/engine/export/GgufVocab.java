package dev.loraforge.engine.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A Hugging Face byte-level BPE tokenizer ({@code tokenizer.json} + {@code tokenizer_config.json}) as llama.cpp's
 * {@code gpt2} tokenizer model, the way {@code convert_hf_to_gguf.py} ({@code get_vocab_base}, {@code _set_vocab_gpt2})
 * and gguf-py's {@code SpecialVocab} write it:
 * <ul>
 *   <li>tokens: ids {@code 0..vocab_size-1} of config.json; an id with no token is {@code [PAD<id>]}, type UNUSED;
 *       an added token is CONTROL when it is special (or looks special: {@code <|...|>}), else USER_DEFINED with
 *       {@code ▁} turned into a space; every other token NORMAL;</li>
 *   <li>merges as {@code "a b"} (the pair form of newer tokenizer.json files joined, a space inside a part written as
 *       {@code Ġ}, as gguf-py does);</li>
 *   <li>special ids: {@code tokenizer_config.json}'s {@code bos/eos/unk/sep/pad/mask_token} looked up among the added
 *       tokens (bos falls back to cls_token, eos to sep_token), then config.json's {@code *_token_id};</li>
 *   <li>add_bos/add_eos: the post-processor's template (a leading BOS, a trailing EOS), overridden by
 *       tokenizer_config's {@code add_bos_token}/{@code add_eos_token}/{@code add_sep_token};</li>
 *   <li>chat templates: tokenizer_config's {@code chat_template} (a list of named ones: "default" is
 *       {@code tokenizer.chat_template}, the others {@code tokenizer.chat_template.<name>}), else
 *       {@code chat_template.jinja}, else {@code chat_template.json}.</li>
 * </ul>
 * The pre-tokenizer name comes from the pre-tokenizer's split regex (the converter hashes a test encoding instead,
 * which only recognises published vocabularies); a tokenizer that is not byte-level BPE, or whose pre-tokenizer
 * llama.cpp would not reproduce, is refused.
 */
final class GgufVocab {

    static final int NORMAL = 1;
    static final int UNKNOWN = 2;
    static final int CONTROL = 3;
    static final int USER_DEFINED = 4;
    static final int UNUSED = 5;
    static final int BYTE = 6;

    /** Split regexes of tokenizer.json -> llama.cpp's pre-tokenizer names ({@code llama-vocab.cpp}). */
    static final Map<String, String> PRE_TOKENIZERS = Map.of(
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
            "llama-bpe",
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
            "qwen2",
            "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+|[^\\r\\n\\p{L}\\p{N}]?"
                    + "[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*"
                    + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
            "tekken");
    /** A ByteLevel pre-tokenizer with use_regex splits with GPT-2's own regex. */
    static final String GPT2 = "gpt-2";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> SPECIAL_TYPES = List.of("bos", "eos", "unk", "sep", "pad", "mask");
    private static final Map<String, String> ID_KEYS = Map.of("bos", "tokenizer.ggml.bos_token_id",
            "eos", "tokenizer.ggml.eos_token_id", "unk", "tokenizer.ggml.unknown_token_id",
            "sep", "tokenizer.ggml.seperator_token_id", "pad", "tokenizer.ggml.padding_token_id",
            "mask", "tokenizer.ggml.mask_token_id");

    final String pre;
    final List<String> tokens;
    final int[] types;
    final List<String> merges;
    final Map<String, Integer> specialIds = new LinkedHashMap<>();
    final Map<String, Boolean> addSpecial = new LinkedHashMap<>();
    String chatTemplate;
    final Map<String, String> namedTemplates = new LinkedHashMap<>();
    Boolean addSpacePrefix;

    private GgufVocab(String pre, List<String> tokens, int[] types, List<String> merges) {
        this.pre = pre;
        this.tokens = tokens;
        this.types = types;
        this.merges = merges;
    }

    /** Reads the tokenizer of {@code modelDir} for a model of {@code vocabSize} embedding rows. */
    static GgufVocab read(Path modelDir, int vocabSize, JsonNode config) {
        Path file = modelDir.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no tokenizer.json in " + modelDir + ": GGUF export needs the Hugging Face"
                    + " fast tokenizer; use the merged safetensors export (--format merged) instead");
        }
        JsonNode tok = readJson(file);
        JsonNode model = tok.path("model");
        String decoder = tok.path("decoder").path("type").asText("none");
        if (!model.path("type").asText().equals("BPE") || model.path("byte_fallback").asBoolean(false)
                || !decoder.equals("ByteLevel")) {
            throw new IllegalArgumentException(file + " is not a byte-level BPE tokenizer (model " + model.path("type").asText("?")
                    + ", byte_fallback " + model.path("byte_fallback").asBoolean(false) + ", decoder " + decoder + "): GGUF"
                    + " export writes llama.cpp's gpt2 tokenizer only; use the merged safetensors export (--format merged)"
                    + " and llama.cpp's convert_hf_to_gguf.py instead");
        }
        String normalizer = tok.path("normalizer").path("type").asText("none");
        if (!normalizer.equals("none") && !normalizer.equals("NFC")) {
            throw new IllegalArgumentException(file + " has a " + normalizer + " normalizer, which llama.cpp's gpt2 tokenizer"
                    + " does not apply; use the merged safetensors export (--format merged) instead");
        }
        String pre = preTokenizer(file, tok.path("pre_tokenizer"));

        Map<Integer, String> byId = new HashMap<>();
        model.path("vocab").fields().forEachRemaining(e -> byId.put(e.getValue().asInt(), e.getKey()));
        Map<String, Boolean> added = new HashMap<>();           // content -> special
        Map<Integer, Boolean> specialById = new HashMap<>();
        List<JsonNode> addedTokens = new ArrayList<>();
        tok.path("added_tokens").forEach(t -> {
            addedTokens.add(t);
            byId.put(t.path("id").asInt(), t.path("content").asText());
            added.merge(t.path("content").asText(), t.path("special").asBoolean(false), Boolean::logicalOr);
            specialById.put(t.path("id").asInt(), t.path("special").asBoolean(false));
        });
        byId.keySet().stream().filter(id -> id < 0 || id >= vocabSize).findFirst().ifPresent(id -> {
            throw new IllegalArgumentException(file + " has token id " + id + " ('" + byId.get(id) + "') outside config.json's"
                    + " vocab_size " + vocabSize);
        });
        List<String> tokens = new ArrayList<>(vocabSize);
        int[] types = new int[vocabSize];
        for (int i = 0; i < vocabSize; i++) {
            String t = byId.get(i);
            if (t == null) {
                tokens.add("[PAD" + i + "]");
                types[i] = UNUSED;
            } else if (added.containsKey(t)) {
                boolean control = specialById.getOrDefault(i, added.get(t)) || looksSpecial(t);
                types[i] = control ? CONTROL : USER_DEFINED;
                tokens.add(control ? t : t.replace('\u2581', ' '));   // pre-normalize user-defined spaces
            } else {
                types[i] = NORMAL;
                tokens.add(t);
            }
        }
        GgufVocab v = new GgufVocab(pre, tokens, types, merges(file, model.path("merges")));
        Path configFile = modelDir.resolve("tokenizer_config.json");
        JsonNode tc = Files.isRegularFile(configFile) ? readJson(configFile) : null;
        v.readSpecials(tok, tc, addedTokens, config);
        if (tc != null) {
            v.readChatTemplates(modelDir, tc);
            if (tc.path("add_prefix_space").isBoolean()) {
                v.addSpacePrefix = tc.get("add_prefix_space").asBoolean();
            }
        }
        return v;
    }

    /** Writes the tokenizer keys ({@code addSpacePrefix}: llama.cpp's llama converter writes add_space_prefix). */
    void writeTo(GgufWriter w, boolean withSpacePrefix) {
        w.putString("tokenizer.ggml.model", "gpt2");
        w.putString("tokenizer.ggml.pre", pre);
        w.putStringArray("tokenizer.ggml.tokens", tokens);
        w.putInt32Array("tokenizer.ggml.token_type", types);
        w.putStringArray("tokenizer.ggml.merges", merges);
        specialIds.forEach((type, id) -> w.putUInt32(ID_KEYS.get(type), id));
        addSpecial.forEach((type, on) -> w.putBool("tokenizer.ggml.add_" + type + "_token", on));
        if (withSpacePrefix && addSpacePrefix != null) {
            w.putBool("tokenizer.ggml.add_space_prefix", addSpacePrefix);
        }
        namedTemplates.forEach((name, template) -> w.putString("tokenizer.chat_template." + name, template));
        if (!namedTemplates.isEmpty()) {
            w.putStringArray("tokenizer.chat_templates", List.copyOf(namedTemplates.keySet()));
        }
        if (chatTemplate != null) {
            w.putString("tokenizer.chat_template", chatTemplate);
        }
    }

    private static String preTokenizer(Path file, JsonNode pre) {
        String type = pre.path("type").asText("none");
        if (type.equals("ByteLevel") && pre.path("use_regex").asBoolean(true) && !pre.path("add_prefix_space").asBoolean(false)) {
            return GPT2;
        }
        JsonNode steps = pre.path("pretokenizers");
        if (type.equals("Sequence") && steps.size() == 2 && steps.get(0).path("type").asText().equals("Split")
                && steps.get(0).path("behavior").asText().equals("Isolated") && !steps.get(0).path("invert").asBoolean(false)
                && steps.get(1).path("type").asText().equals("ByteLevel") && !steps.get(1).path("use_regex").asBoolean(true)
                && !steps.get(1).path("add_prefix_space").asBoolean(false)) {
            String name = PRE_TOKENIZERS.get(steps.get(0).path("pattern").path("Regex").asText(""));
            if (name != null) {
                return name;
            }
        }
        String shown = pre.toString();
        throw new IllegalArgumentException(file + "'s pre_tokenizer " + (shown.length() > 300 ? shown.substring(0, 300) + "..." : shown)
                + " is not one llama.cpp reproduces here (Llama 3's, Qwen2's or Tekken's split regex before a ByteLevel step,"
                + " or GPT-2's ByteLevel regex); use the merged safetensors export (--format merged) and llama.cpp's"
                + " convert_hf_to_gguf.py instead");
    }

    /** gguf-py's {@code does_token_look_special}. */
    static boolean looksSpecial(String t) {
        return t.equals("<pad>") || t.equals("<mask>") || t.equals("<2mass>") || t.equals("[@BOS@]")
                || (t.startsWith("<|") && t.endsWith("|>")) || (t.startsWith("<\uFF5C") && t.endsWith("\uFF5C>"))
                || (t.startsWith("<unused") && t.endsWith(">"));
    }

    private static List<String> merges(Path file, JsonNode merges) {
        List<String> out = new ArrayList<>(merges.size());
        for (JsonNode m : merges) {
            if (m.isTextual()) {
                out.add(m.asText());
            } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
                out.add(m.get(0).asText().replace(' ', '\u0120') + " " + m.get(1).asText().replace(' ', '\u0120'));
            } else {
                throw new IllegalArgumentException(file + ": merge " + m + " is neither \"a b\" nor [\"a\", \"b\"]");
            }
        }
        return out;
    }

    private void readSpecials(JsonNode tok, JsonNode tc, List<JsonNode> addedTokens, JsonNode config) {
        String bos = tc == null ? null : tokenText(tc.get("bos_token"));
        String eos = tc == null ? null : tokenText(tc.get("eos_token"));
        String cls = tc == null ? null : tokenText(tc.get("cls_token"));
        String sep = tc == null ? null : tokenText(tc.get("sep_token"));
        bos = bos == null || bos.isEmpty() ? cls : bos;
        eos = eos == null || eos.isEmpty() ? sep : eos;
        JsonNode post = tok.path("post_processor");
        List<JsonNode> processors = new ArrayList<>();
        if (post.has("processors")) {
            post.get("processors").forEach(processors::add);
        } else if (post.isObject()) {
            processors.add(post);
        }
        for (JsonNode p : processors) {
            String type = p.path("type").asText();
            if (type.equals("RobertaProcessing")) {
                addSpecial.put("bos", true);
                addSpecial.put("eos", true);
                addSpecial.put("sep", true);
            } else if (type.equals("TemplateProcessing") && p.path("single").size() > 1) {
                JsonNode single = p.path("single");
                String first = single.get(0).path("SpecialToken").path("id").asText(null);
                String last = single.get(single.size() - 1).path("SpecialToken").path("id").asText(null);
                if (first != null) {
                    bos = tc == null ? first : bos;
                    addSpecial.put("bos", first.equals(bos) || first.equals(cls));
                }
                if (last != null) {
                    eos = tc == null ? last : eos;
                    addSpecial.put("eos", last.equals(eos));
                }
            }
        }
        if (tc != null) {
            for (String type : SPECIAL_TYPES) {
                boolean flagged = type.equals("bos") || type.equals("eos") || type.equals("sep"); // the add_* keys GGUF has
                if (flagged && tc.path("add_" + type + "_token").isBoolean()) {
                    addSpecial.put(type, tc.get("add_" + type + "_token").asBoolean());
                }
                String text = switch (type) {
                    case "bos" -> bos;
                    case "eos" -> eos;
                    default -> tokenText(tc.get(type + "_token"));
                };
                if (text != null) {
                    addedTokens.stream().filter(t -> t.path("content").asText().equals(text)).findFirst()
                            .ifPresent(t -> specialIds.putIfAbsent(type, t.path("id").asInt()));
                }
            }
        }
        for (String type : SPECIAL_TYPES) {
            JsonNode id = config.get(type + "_token_id");
            if (id != null && id.isIntegralNumber() && id.asInt() >= 0) {
                specialIds.putIfAbsent(type, id.asInt());
            }
        }
        // gguf-py writes them in its type order
        Map<String, Integer> ordered = new LinkedHashMap<>();
        SPECIAL_TYPES.stream().filter(specialIds::containsKey).forEach(t -> ordered.put(t, specialIds.get(t)));
        specialIds.clear();
        specialIds.putAll(ordered);
    }

    private void readChatTemplates(Path modelDir, JsonNode tc) {
        JsonNode t = tc.get("chat_template");
        if (t == null) {
            t = alternativeTemplate(modelDir);
        }
        if (t == null || t.isNull()) {
            return;
        }
        if (t.isTextual()) {
            chatTemplate = t.asText();
            return;
        }
        Set<String> seen = new HashSet<>();
        for (JsonNode named : t) {
            String name = named.path("name").asText("").replaceAll("[^A-Za-z0-9]", "_");
            JsonNode template = named.get("template");
            if (name.isEmpty() || template == null || !template.isTextual()) {
                continue;
            }
            if (name.equals("default")) {
                chatTemplate = template.asText();
            } else if (seen.add(name)) {
                namedTemplates.put(name, template.asText());
            }
        }
    }

    /** chat_template.jinja (with additional_chat_templates/*.jinja as named ones), else chat_template.json. */
    private static JsonNode alternativeTemplate(Path modelDir) {
        try {
            Path jinja = modelDir.resolve("chat_template.jinja");
            if (Files.isRegularFile(jinja)) {
                Path extra = modelDir.resolve("additional_chat_templates");
                List<Path> more;
                try (Stream<Path> s = Files.isDirectory(extra) ? Files.list(extra) : Stream.empty()) {
                    more = s.filter(p -> p.getFileName().toString().endsWith(".jinja")).sorted().toList();
                }
                if (more.isEmpty()) {
                    return JSON.getNodeFactory().textNode(Files.readString(jinja));
                }
                var list = JSON.createArrayNode();
                list.addObject().put("name", "default").put("template", Files.readString(jinja));
                for (Path p : more) {
                    String n = p.getFileName().toString();
                    list.addObject().put("name", n.substring(0, n.length() - ".jinja".length())).put("template", Files.readString(p));
                }
                return list;
            }
            Path json = modelDir.resolve("chat_template.json");
            return Files.isRegularFile(json) ? readJson(json).get("chat_template") : null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the chat template of " + modelDir, e);
        }
    }

    private static String tokenText(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        return node.isObject() ? node.path("content").asText(null) : node.isTextual() ? node.asText() : null;
    }

    static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot parse " + file + ": " + e.getMessage(), e);
        }
    }
}
