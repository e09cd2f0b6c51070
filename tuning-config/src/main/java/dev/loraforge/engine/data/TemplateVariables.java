package dev.loraforge.engine.data;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which extra variables ({@code chat_template_kwargs}, as transformers' {@code apply_chat_template(**kwargs)}
 * takes them) a chat template may be given: names of at most 64 letters, digits and '_', none of those the
 * renderer sets itself. tuning-engine's {@code ChatTemplate} renders; callers that only check a request use this.
 */
public final class TemplateVariables {

    /** Variables the renderer sets itself; extra template arguments may not replace them. */
    public static final Set<String> RESERVED = Set.of("messages", "add_generation_prompt", "tools", "documents",
            "bos_token", "eos_token", "unk_token", "pad_token", "raise_exception", "strftime_now");

    private static final Pattern VARIABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");

    private TemplateVariables() {
    }

    /**
     * Why {@code name} cannot be an extra template argument (not a variable name of at most 64 characters, or one the
     * renderer sets), or null when it can.
     */
    public static String problem(String name) {
        if (!VARIABLE.matcher(name).matches()) {
            return "is not a template variable name (letters, digits and '_', not starting with a digit, at most 64)";
        }
        return RESERVED.contains(name) ? "is set by the chat template's renderer and cannot be given" : null;
    }
}
