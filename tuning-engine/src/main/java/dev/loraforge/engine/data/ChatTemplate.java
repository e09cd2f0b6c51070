package dev.loraforge.engine.data;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Renders chat messages to text. With a {@code chat_template} from {@code tokenizer_config.json} it
 * runs that Jinja template (Jinjava, with {@code trim_blocks} and {@code lstrip_blocks} as
 * {@code transformers.apply_chat_template} sets them; variables {@code messages}, {@code bos_token},
 * {@code eos_token}, {@code add_generation_prompt}; function {@code raise_exception}).
 *
 * <p>Without one it uses the documented default, ChatML with a leading BOS:
 * <pre>
 * {bos}&lt;|im_start|&gt;{role}\n{content}&lt;|im_end|&gt;\n   (per message)
 * &lt;|im_start|&gt;assistant\n                                (when a generation prompt is asked for)
 * </pre>
 * {@link AssistantSpans} finds the trained assistant turns in a rendering.
 */
public final class ChatTemplate {

    private final String template;
    private final String bosToken;
    private final String eosToken;
    private final Jinjava jinjava;

    /**
     * @param template the Jinja template, or null for the default ChatML format
     * @param bosToken the BOS token text, or null (then none is written)
     * @param eosToken the EOS token text, or null
     */
    public ChatTemplate(String template, String bosToken, String eosToken) {
        this.template = template;
        this.bosToken = bosToken == null ? "" : bosToken;
        this.eosToken = eosToken == null ? "" : eosToken;
        if (template != null) {
            jinjava = new Jinjava(JinjavaConfig.newBuilder().withTrimBlocks(true).withLstripBlocks(true).build());
            jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition(
                    "", "raise_exception", ChatTemplate.class, "raiseException", String.class));
        } else {
            jinjava = null;
        }
    }

    public boolean isDefault() {
        return template == null;
    }

    /** Called from templates as {@code raise_exception(message)}. */
    public static String raiseException(String message) {
        RAISED.set(message);
        throw new TemplateException("chat template refused the messages: " + message);
    }

    /** The message of the last raise_exception call on this thread (Jinjava wraps the exception). */
    private static final ThreadLocal<String> RAISED = new ThreadLocal<>();

    /** The prompt text for {@code messages}, optionally followed by the assistant generation prompt. */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
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
            list.add(map);
        }
        Map<String, Object> context = new HashMap<>();
        context.put("messages", list);
        context.put("bos_token", bosToken);
        context.put("eos_token", eosToken);
        context.put("add_generation_prompt", addGenerationPrompt);
        RenderResult result;
        RAISED.remove();
        try {
            result = jinjava.renderForResult(template, context);
        } catch (RuntimeException e) {
            result = null;
            if (RAISED.get() == null) {
                throw new TemplateException("cannot render the chat template of tokenizer_config.json: " + e.getMessage());
            }
        }
        String raised = RAISED.get();
        RAISED.remove();
        if (raised != null) {
            throw new TemplateException("the chat template refused the messages: " + raised);
        }
        List<TemplateError> fatal = result.getErrors().stream()
                .filter(e -> e.getSeverity() == TemplateError.ErrorType.FATAL).collect(Collectors.toList());
        if (!fatal.isEmpty()) {
            String reason = fatal.stream().map(TemplateError::getMessage).collect(Collectors.joining("; "));
            throw new TemplateException("cannot render the chat template of tokenizer_config.json: " + reason);
        }
        return result.getOutput();
    }

    /** A chat template that cannot be applied. */
    public static final class TemplateException extends RuntimeException {
        public TemplateException(String message) {
            super(message);
        }
    }
}
