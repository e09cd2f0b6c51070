package dev.loraforge.engine.data;

import dev.loraforge.engine.template.RaisedException;
import dev.loraforge.engine.template.Template;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders chat messages to text. With a {@code chat_template} from {@code tokenizer_config.json} it
 * runs that Jinja template exactly as {@code transformers.apply_chat_template} does (see
 * {@link Template}: Python jinja2 semantics, {@code trim_blocks}, {@code lstrip_blocks}, loop
 * controls, {@code tojson}, {@code raise_exception}, {@code strftime_now}). The context is
 * {@code messages} (role, content and each message's extra fields), {@code tools} and
 * {@code documents} (None unless given), {@code add_generation_prompt}, the special tokens that are
 * set ({@code bos_token}, {@code eos_token}, {@code unk_token}, {@code pad_token}; an unset one is
 * undefined), then the caller's extra variables such as {@code enable_thinking}.
 *
 * <p>Without one it uses the documented default, ChatML with a leading BOS:
 * <pre>
 * {bos}&lt;|im_start|&gt;{role}\n{content}&lt;|im_end|&gt;\n   (per message)
 * &lt;|im_start|&gt;assistant\n                                (when a generation prompt is asked for)
 * </pre>
 * {@link AssistantSpans} finds the trained assistant turns in a rendering.
 */
public final class ChatTemplate {

    /** Names of the special-token variables a template may read, as in {@code tokenizer_config.json}. */
    public static final List<String> SPECIAL_TOKENS = List.of("bos_token", "eos_token", "unk_token", "pad_token");

    private final String template;
    private final Map<String, String> specialTokens;
    private final String bosToken;
    private final Clock clock;
    private Template compiled;

    /**
     * @param template the Jinja template, or null for the default ChatML format
     * @param bosToken the BOS token text, or null (then none is written and {@code bos_token} is undefined)
     * @param eosToken the EOS token text, or null
     */
    public ChatTemplate(String template, String bosToken, String eosToken) {
        this(template, tokens(bosToken, eosToken, null, null), Clock.systemDefaultZone());
    }

    /**
     * A template with the full special-token context of {@code tokenizer_config.json}.
     *
     * @param template      the Jinja template, or null for the default ChatML format
     * @param specialTokens token texts by variable name ({@link #SPECIAL_TOKENS}, see {@link #tokens}); absent
     *                      ones stay undefined, as in transformers' {@code special_tokens_map}
     * @param clock         what {@code strftime_now} reads (tests pin it)
     */
    public static ChatTemplate of(String template, Map<String, String> specialTokens, Clock clock) {
        return new ChatTemplate(template, specialTokens, clock);
    }

    private ChatTemplate(String template, Map<String, String> specialTokens, Clock clock) {
        this.template = template;
        Map<String, String> set = new LinkedHashMap<>();
        for (String name : SPECIAL_TOKENS) {
            String v = specialTokens.get(name);
            if (v != null) {
                set.put(name, v);
            }
        }
        this.specialTokens = Map.copyOf(set);
        this.bosToken = set.getOrDefault("bos_token", "");
        this.clock = clock;
    }

    /**
     * The tokenizer's chat template (or the default) with the special tokens of its
     * tokenizer_config.json: what training, preview, generation and serving all render with.
     */
    public static ChatTemplate forTokenizer(dev.loraforge.engine.tokenizer.ModelTokenizer tokenizer) {
        return of(tokenizer.chatTemplate().orElse(null), tokens(tokenizer.bosToken().orElse(null), tokenizer.eosToken().orElse(null),
                tokenizer.unkToken().orElse(null), tokenizer.padToken().orElse(null)), Clock.systemDefaultZone());
    }

    /** The special-token map for {@link #of}; null arguments are left out. */
    public static Map<String, String> tokens(String bos, String eos, String unk, String pad) {
        Map<String, String> m = new LinkedHashMap<>();
        String[] values = {bos, eos, unk, pad};
        for (int i = 0; i < values.length; i++) {
            if (values[i] != null) {
                m.put(SPECIAL_TOKENS.get(i), values[i]);
            }
        }
        return m;
    }

    public boolean isDefault() {
        return template == null;
    }

    /** The prompt text for {@code messages}, optionally followed by the assistant generation prompt. */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return render(messages, addGenerationPrompt, Map.of());
    }

    /**
     * As {@link #render(List, boolean)}, with extra template variables (kwargs of
     * {@code apply_chat_template}: {@code enable_thinking}, {@code tools} as a list of maps,
     * {@code documents}, {@code date_string}...) given as plain Java values.
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt, Map<String, Object> extraContext) {
        if (template == null) {
            StringBuilder sb = new StringBuilder(bosToken);
            for (ChatMessage m : messages) {
                sb.append("<|im_start|>").append(m.role()).append('\n').append(m.content()).append("<|im_end|>\n");
            }
            if (addGenerationPrompt) {
                sb.append("<|im_start|>assistant\n");
            }
            return sb.toString();
        }
        List<Map<String, Object>> list = new ArrayList<>();
        for (ChatMessage m : messages) {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("role", m.role());
            map.put("content", m.content());
            map.putAll(m.extra());
            list.add(map);
        }
        Map<String, Object> context = new LinkedHashMap<>();
        context.put("messages", list);
        context.put("tools", null);
        context.put("documents", null);
        context.put("add_generation_prompt", addGenerationPrompt);
        context.putAll(specialTokens);
        context.putAll(extraContext);
        try {
            return compiled().render(context);
        } catch (RaisedException e) {
            throw new TemplateException("the chat template refused the messages: " + e.getMessage());
        } catch (dev.loraforge.engine.template.TemplateException e) {
            throw new TemplateException("cannot render the chat template of tokenizer_config.json: " + e.getMessage());
        }
    }

    private synchronized Template compiled() {
        if (compiled == null) {
            compiled = Template.compile(template, clock);
        }
        return compiled;
    }

    /** A chat template that cannot be applied. */
    public static final class TemplateException extends RuntimeException {
        public TemplateException(String message) {
            super(message);
        }
    }
}
