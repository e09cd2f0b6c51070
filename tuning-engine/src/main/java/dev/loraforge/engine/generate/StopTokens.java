package dev.loraforge.engine.generate;

import dev.loraforge.engine.data.AssistantSpans;
import dev.loraforge.engine.data.ChatTemplate;
import dev.loraforge.engine.model.LlamaModel;
import dev.loraforge.engine.tokenizer.ModelTokenizer;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The one place that decides which token ids end a generation: every {@code eos_token_id} of
 * {@code generation_config.json} (one id or a list; {@code config.json}'s when it has none), those of
 * {@code config.json}, the tokenizer's {@code eos_token}, and the chat template's end-of-turn token
 * ({@code <|eot_id|>}, {@code <|im_end|>}, {@code <end_of_turn>}, ...) found by
 * {@link AssistantSpans#endOfTurnToken()}, even when generation_config.json lacks it (as the first
 * Llama 3 Instruct release, whose EOS is {@code <|end_of_text|>}). {@code tune generate} and the
 * inference service pass these to {@link Generator} through {@link GenerationOptions#withEos}.
 */
public final class StopTokens {

    private StopTokens() {
    }

    /** The stop ids of a loaded model and its tokenizer, in the order above, without repeats. */
    public static List<Integer> of(LlamaModel model, ModelTokenizer tokenizer) {
        return of(model.eosTokenIds(), model.config().eosTokenIds(), tokenizer);
    }

    /**
     * @param generationEos the model's EOS ids (generation_config.json, else config.json)
     * @param configEos config.json's EOS ids
     */
    public static List<Integer> of(List<Integer> generationEos, List<Integer> configEos, ModelTokenizer tokenizer) {
        Set<Integer> ids = new LinkedHashSet<>(generationEos);
        ids.addAll(configEos);
        tokenizer.eosId().ifPresent(ids::add);
        endOfTurnId(tokenizer).ifPresent(ids::add);
        return List.copyOf(ids);
    }

    /** The id of the token that closes an assistant turn in the tokenizer's chat template, if it has one. */
    public static Optional<Integer> endOfTurnId(ModelTokenizer tokenizer) {
        ChatTemplate template = ChatTemplate.forTokenizer(tokenizer);
        return new AssistantSpans(template::render, tokenizer.specialTokens()).endOfTurnToken().flatMap(tokenizer::tokenId);
    }
}
