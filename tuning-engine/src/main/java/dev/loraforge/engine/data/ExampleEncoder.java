package dev.loraforge.engine.data;

import dev.loraforge.engine.tokenizer.ModelTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Turns parsed examples into token ids and loss labels, truncated (on the right) to {@code seqLen}.
 * Each example becomes one text, tokenized once (no special tokens added, as transformers'
 * {@code apply_chat_template(tokenize=True)}), plus character spans of that text that are trained:
 * <ul>
 *   <li>chat: the chat template's rendering (it writes BOS itself); the spans are the trained
 *       assistant turns, content and end-of-turn text, see {@link AssistantSpans};</li>
 *   <li>prompt/completion: {@code [BOS] prompt+completion [EOS]}, trained on the completion and EOS;</li>
 *   <li>text: {@code [BOS] text [EOS]}, trained everywhere.</li>
 * </ul>
 * A token is trained when its characters overlap a trained span (as transformers'
 * {@code char_to_token} of a span's first and last character: a token straddling a span's edge is
 * trained); a token covering no characters is trained when it sits inside a span. BOS/EOS are those
 * of {@code tokenizer_config.json}; a tokenizer without one simply omits it. {@code tune train},
 * the trainer service and {@code tune preview} all encode through {@link #encodeDetailed}.
 */
public final class ExampleEncoder {

    /** {@code tune train}'s and {@code tune preview}'s default {@code --seq-len}. */
    public static final int DEFAULT_SEQ_LEN = 512;

    private final ModelTokenizer tokenizer;
    private final ChatTemplate template;
    private final AssistantSpans spans;
    private final int seqLen;
    private final Map<String, Object> kwargs;

    public ExampleEncoder(ModelTokenizer tokenizer, int seqLen) {
        this(tokenizer, seqLen, Map.of());
    }

    /**
     * @param chatTemplateKwargs extra chat-template variables, as transformers'
     *                           {@code apply_chat_template(..., **kwargs)}, e.g. {@code enable_thinking=false}
     */
    public ExampleEncoder(ModelTokenizer tokenizer, int seqLen, Map<String, Object> chatTemplateKwargs) {
        if (seqLen < 2) {
            throw new IllegalArgumentException("seqLen must be at least 2, got " + seqLen);
        }
        this.tokenizer = tokenizer;
        this.template = ChatTemplate.forTokenizer(tokenizer);
        this.kwargs = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(chatTemplateKwargs));
        this.spans = new AssistantSpans((messages, prompt) -> template.render(messages, prompt, kwargs), tokenizer.specialTokens());
        this.seqLen = seqLen;
    }

    /** The template arguments plus an example's {@code tools}. */
    private Map<String, Object> withTools(List<Object> tools) {
        Map<String, Object> all = new java.util.LinkedHashMap<>(kwargs);
        all.put("tools", tools);
        return all;
    }

    public ChatTemplate chatTemplate() {
        return template;
    }

    public AssistantSpans assistantSpans() {
        return spans;
    }

    public int seqLen() {
        return seqLen;
    }

    public EncodedExample encode(Example example) {
        return encodeDetailed(example).example();
    }

    /**
     * One example as the model sees it: the text, every token's characters in it, and the
     * truncated ids and labels.
     *
     * @param text the whole example's text (for chat, the template's rendering without a generation prompt)
     * @param tokens every token of {@code text} before truncation, with its characters
     * @param example the ids and labels, truncated to {@code seqLen}
     */
    public record Encoding(String text, ModelTokenizer.Tokens tokens, EncodedExample example) {
        /** True when tokens were cut off at {@code seqLen}. */
        public boolean truncated() {
            return tokens.ids().length > example.length();
        }

        /** Labels that are not {@link EncodedExample#IGNORE} (unshifted, as in {@link EncodedExample#labels}). */
        public int trainedTokens() {
            return (int) Arrays.stream(example.labels()).filter(l -> l != EncodedExample.IGNORE).count();
        }
    }

    public Encoding encodeDetailed(Example example) {
        if (example instanceof Example.Chat chat) {
            AssistantSpans.Rendered r = chat.tools().isEmpty() ? spans.render(chat.messages())
                    : spans.render(chat.messages(), (messages, prompt) -> template.render(messages, prompt, withTools(chat.tools())));
            for (Object tool : chat.tools()) {
                if (tool instanceof Map<?, ?> t && t.get("function") instanceof Map<?, ?> f && f.get("name") instanceof String name
                        && !r.text().contains(name)) {
                    throw new ChatTemplate.TemplateException("the chat template does not write the line's tools (no '" + name
                            + "' in the rendering); use a model whose chat template supports tools, or leave \"tools\" out");
                }
            }
            return build(r.text(), 0, tokenizer.encodeWithOffsets(r.text()), r.trained(), false, false);
        } else if (example instanceof Example.PromptCompletion pc) {
            String body = pc.prompt() + pc.completion();
            String bos = tokenizer.bosId().isPresent() ? tokenizer.bosToken().orElseThrow() : "";
            List<AssistantSpans.Span> trained = List.of(new AssistantSpans.Span(pc.prompt().length(), body.length()));
            return build(body, bos.length(), tokenizer.encodeWithOffsets(body), trained, false, true);
        } else if (example instanceof Example.Text t) {
            String bos = tokenizer.bosId().isPresent() ? tokenizer.bosToken().orElseThrow() : "";
            List<AssistantSpans.Span> trained = List.of(new AssistantSpans.Span(0, t.text().length()));
            return build(t.text(), bos.length(), tokenizer.encodeWithOffsets(t.text()), trained, true, true);
        }
        throw new IllegalArgumentException("unknown example type " + example.getClass());
    }

    /**
     * Labels {@code body}'s tokens by the spans (relative to {@code body}); for prompt/completion and
     * text, wraps them in BOS (trained when {@code trainBos}) and a trained EOS, and the text in their
     * spellings ({@code bosLength} characters of BOS come first).
     */
    private Encoding build(String body, int bosLength, ModelTokenizer.Tokens bodyTokens, List<AssistantSpans.Span> trained,
            boolean trainBos, boolean wrap) {
        List<int[]> toks = new ArrayList<>(); // {id, start, end, trained}
        StringBuilder text = new StringBuilder();
        if (wrap && tokenizer.bosId().isPresent()) {
            text.append(tokenizer.bosToken().orElseThrow());
            toks.add(new int[] {tokenizer.bosId().get(), 0, bosLength, trainBos ? 1 : 0});
        }
        text.append(body);
        for (int i = 0; i < bodyTokens.ids().length; i++) {
            int s = bodyTokens.start()[i];
            int e = bodyTokens.end()[i];
            boolean on = trained.stream().anyMatch(span -> span.overlaps(s, e));
            toks.add(new int[] {bodyTokens.ids()[i], s + bosLength, e + bosLength, on ? 1 : 0});
        }
        if (wrap && tokenizer.eosId().isPresent()) {
            int from = text.length();
            text.append(tokenizer.eosToken().orElseThrow());
            toks.add(new int[] {tokenizer.eosId().get(), from, text.length(), 1});
        }
        int n = toks.size();
        int[] ids = new int[n];
        int[] start = new int[n];
        int[] end = new int[n];
        int kept = Math.min(n, seqLen);
        int[] labels = new int[kept];
        for (int i = 0; i < n; i++) {
            int[] t = toks.get(i);
            ids[i] = t[0];
            start[i] = t[1];
            end[i] = t[2];
            if (i < kept) {
                labels[i] = t[3] == 1 ? t[0] : EncodedExample.IGNORE;
            }
        }
        return new Encoding(text.toString(), new ModelTokenizer.Tokens(ids, start, end),
                new EncodedExample(Arrays.copyOf(ids, kept), labels));
    }

    /** Encodes every example and keeps those that still have a trained token after truncation. */
    public Encoded encodeAll(List<Example> examples) {
        List<EncodedExample> kept = new ArrayList<>();
        int truncated = 0;
        int dropped = 0;
        for (Example e : examples) {
            Encoding enc = encodeDetailed(e);
            if (enc.truncated()) {
                truncated++;
            }
            if (enc.example().targetTokens() == 0) {
                dropped++;
            } else {
                kept.add(enc.example());
            }
        }
        return new Encoded(kept, truncated, dropped);
    }

    /**
     * Encoded examples, how many were cut at {@code seqLen} and how many were dropped because
     * truncation left them nothing to learn.
     */
    public record Encoded(List<EncodedExample> examples, int truncated, int dropped) {
    }
}
