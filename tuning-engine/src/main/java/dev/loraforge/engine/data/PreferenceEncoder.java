package dev.loraforge.engine.data;

import dev.loraforge.engine.tokenizer.ModelTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tokenizes preference pairs for DPO as TRL's {@code DPOTrainer} does:
 * <ul>
 *   <li>OpenAI lines ({@link Example.Preference#isChat()}): the prompt is the chat template's rendering of
 *       {@code input.messages} with the generation prompt; each response is the rendering of the conversation with
 *       that assistant message appended, tokenized whole (no special tokens added: the template writes them), minus
 *       the prompt's tokens. So a response holds the assistant content and the end-of-turn text the template writes
 *       after it ({@code <|im_end|>\n}, {@code <|eot_id|>}). When the whole rendering's tokens do not start with the
 *       prompt's (a token merging across the boundary), the response is the rest of the text tokenized on its own;
 *       a template whose full rendering does not start with its generation-prompt rendering is refused.</li>
 *   <li>TRL's plain lines: {@code [BOS] prompt} and {@code response [EOS]}, each text tokenized on its own (no
 *       template), BOS/EOS those of tokenizer_config.json when it has them.</li>
 * </ul>
 * Truncation keeps the prompt and cuts each response at {@code seqLen} (TRL's {@code truncation_mode="keep_start"});
 * a pair whose prompt leaves no room for a response token is dropped, as TRL filters it.
 */
public final class PreferenceEncoder {

    private final ModelTokenizer tokenizer;
    private final ChatTemplate template;
    private final int seqLen;
    private final Map<String, Object> kwargs;

    public PreferenceEncoder(ModelTokenizer tokenizer, int seqLen, Map<String, Object> chatTemplateKwargs) {
        if (seqLen < 2) {
            throw new IllegalArgumentException("seqLen must be at least 2, got " + seqLen);
        }
        this.tokenizer = tokenizer;
        this.template = ChatTemplate.forTokenizer(tokenizer);
        this.seqLen = seqLen;
        this.kwargs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(chatTemplateKwargs));
    }

    public PreferenceEncoder(ModelTokenizer tokenizer, int seqLen) {
        this(tokenizer, seqLen, Map.of());
    }

    /**
     * One pair before truncation.
     *
     * @param promptText the prompt as the model reads it (template rendering with generation prompt, or BOS + prompt)
     */
    public record Encoding(String promptText, int[] promptIds, int[] chosenIds, int[] rejectedIds) {
    }

    /** The pair's full token ids (nothing cut). */
    public Encoding encodeFull(Example.Preference pair) {
        if (pair.isChat()) {
            Map<String, Object> context = new LinkedHashMap<>(kwargs);
            if (!pair.tools().isEmpty()) {
                context.put("tools", pair.tools());
            }
            String prompt = template.render(pair.input(), true, context);
            int[] promptIds = tokenizer.encodeWithOffsets(prompt).ids();
            return new Encoding(prompt, promptIds, chatResponse(pair, prompt, promptIds, pair.chosen(), context),
                    chatResponse(pair, prompt, promptIds, pair.rejected(), context));
        }
        String bos = tokenizer.bosId().isPresent() ? tokenizer.bosToken().orElseThrow() : "";
        int[] prompt = concat(tokenizer.bosId().stream().mapToInt(Integer::intValue).toArray(),
                tokenizer.encodeWithOffsets(pair.prompt()).ids());
        int[] eos = tokenizer.eosId().stream().mapToInt(Integer::intValue).toArray();
        return new Encoding(bos + pair.prompt(), prompt, concat(tokenizer.encodeWithOffsets(pair.chosen()).ids(), eos),
                concat(tokenizer.encodeWithOffsets(pair.rejected()).ids(), eos));
    }

    private int[] chatResponse(Example.Preference pair, String prompt, int[] promptIds, String response,
            Map<String, Object> context) {
        List<ChatMessage> messages = new ArrayList<>(pair.input());
        messages.add(new ChatMessage(ChatMessage.ASSISTANT, response, true));
        String full = template.render(messages, false, context);
        if (!full.startsWith(prompt)) {
            throw new ChatTemplate.TemplateException("the chat template's rendering of the conversation with its reply does not"
                    + " start with its rendering of the prompt (add_generation_prompt=true), so the reply's tokens cannot be"
                    + " told apart; DPO with this template is not supported");
        }
        int[] fullIds = tokenizer.encodeWithOffsets(full).ids();
        if (fullIds.length > promptIds.length && Arrays.equals(fullIds, 0, promptIds.length, promptIds, 0, promptIds.length)) {
            return Arrays.copyOfRange(fullIds, promptIds.length, fullIds.length);
        }
        return tokenizer.encodeWithOffsets(full.substring(prompt.length())).ids();
    }

    /** The pair truncated to {@code seqLen}, or null when the prompt leaves no response token. */
    public EncodedPreference encode(Example.Preference pair) {
        return truncate(encodeFull(pair));
    }

    /** A pair encoded by {@link #encodeFull} cut to {@code seqLen}, or null when the prompt leaves no response token. */
    public EncodedPreference truncate(Encoding e) {
        int room = seqLen - e.promptIds().length;
        if (room < 1 || e.chosenIds().length == 0 || e.rejectedIds().length == 0) {
            return null;
        }
        return new EncodedPreference(e.promptIds(), Arrays.copyOf(e.chosenIds(), Math.min(room, e.chosenIds().length)),
                Arrays.copyOf(e.rejectedIds(), Math.min(room, e.rejectedIds().length)));
    }

    /**
     * The pairs kept, the index in the input list of each ({@code kept}), how many had a response cut at
     * {@code seqLen} and how many were dropped because the prompt filled it.
     */
    public record Encoded(List<EncodedPreference> pairs, List<Integer> kept, int truncated, int dropped) {
    }

    public Encoded encodeAll(List<Example.Preference> pairs) {
        List<EncodedPreference> out = new ArrayList<>();
        List<Integer> kept = new ArrayList<>();
        int truncated = 0;
        int dropped = 0;
        for (int i = 0; i < pairs.size(); i++) {
            Encoding full = encodeFull(pairs.get(i));
            EncodedPreference e = truncate(full);
            if (e == null) {
                dropped++;
                continue;
            }
            if (e.chosenIds().length < full.chosenIds().length || e.rejectedIds().length < full.rejectedIds().length) {
                truncated++;
            }
            out.add(e);
            kept.add(i);
        }
        return new Encoded(List.copyOf(out), List.copyOf(kept), truncated, dropped);
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
