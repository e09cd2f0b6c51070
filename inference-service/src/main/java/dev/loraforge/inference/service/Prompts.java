package dev.loraforge.inference.service;

import dev.loraforge.engine.data.ChatTemplate;
import dev.loraforge.engine.tokenizer.ModelTokenizer;

/**
 * Prompt token ids, the way the model was trained to see them: chat messages through the model's
 * chat template with the assistant generation prompt (as training rendered the conversations), or
 * a plain prompt after BOS (as the tokenizer's template adds it).
 */
final class Prompts {

    private Prompts() {
    }

    static int[] ids(LoadedBase base, GenerationRequest r) {
        ModelTokenizer tok = base.tokenizer();
        if (r.chat()) {
            String text;
            try {
                text = base.template().render(r.messages(), true, r.chatTemplateKwargs());
            } catch (ChatTemplate.TemplateException e) {
                throw InferenceException.invalid("messages", e.getMessage());
            }
            return tok.encode(text);
        }
        int[] text = tok.encode(r.prompt());
        if (tok.bosId().isEmpty()) {
            if (text.length == 0) {
                throw InferenceException.invalid("prompt", "the prompt has no tokens");
            }
            return text;
        }
        int[] ids = new int[text.length + 1];
        ids[0] = tok.bosId().get();
        System.arraycopy(text, 0, ids, 1, text.length);
        return ids;
    }
}
