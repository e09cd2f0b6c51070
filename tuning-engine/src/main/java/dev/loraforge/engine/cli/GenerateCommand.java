package dev.loraforge.engine.cli;

import dev.loraforge.engine.data.ChatMessage;
import dev.loraforge.engine.data.ChatTemplate;
import dev.loraforge.engine.generate.GenerationOptions;
import dev.loraforge.engine.generate.GenerationResult;
import dev.loraforge.engine.generate.Generator;
import dev.loraforge.engine.generate.StopTokens;
import dev.loraforge.engine.lora.PeftAdapters;
import dev.loraforge.engine.model.Adapter;
import dev.loraforge.engine.model.LlamaModel;
import dev.loraforge.engine.tokenizer.ModelTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate text from a prompt (greedy by default; --temperature/--top-p to sample).")
final class GenerateCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR")
    Path model;

    @Option(names = "--adapter", paramLabel = "DIR", description = "PEFT adapter directory (LoRA or prefix).")
    Path adapter;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT")
    String prompt;

    @Option(names = "--chat", description = "Send the prompt as a user message through the chat template.")
    boolean chat;

    @Option(names = "--system", paramLabel = "TEXT", description = "System message for --chat.")
    String system;

    @Option(names = "--max-new-tokens", defaultValue = "64", paramLabel = "N", description = "(default: ${DEFAULT-VALUE})")
    int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "0", paramLabel = "X", description = "0 = greedy (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--top-p", defaultValue = "1.0", paramLabel = "X", description = "(default: ${DEFAULT-VALUE})")
    double topP;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "N", description = "Sampling seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    EngineOptions engine;

    @Override
    public Integer call() throws Exception {
        try (ModelTokenizer tok = ModelTokenizer.load(model); LlamaModel llama = LlamaModel.load(model, engine.device());
                Adapter a = adapter == null ? null : PeftAdapters.load(llama, adapter)) {
            int[] ids = promptIds(tok, prompt, chat, system);
            GenerationOptions options = GenerationOptions.greedy(maxNewTokens).withEos(StopTokens.of(llama, tok));
            if (temperature > 0) {
                options = options.withSampling(temperature, topP, seed);
            }
            GenerationResult result = new Generator(llama).generate(ids, a, options);
            System.out.println(tok.decode(result.tokens(), true));
            System.err.println("finish_reason: " + result.finishReason() + ", tokens: " + result.tokens().length);
        }
        return 0;
    }

    /** The prompt's ids: through the chat template (with a generation prompt) or as plain text after BOS. */
    static int[] promptIds(ModelTokenizer tok, String prompt, boolean chat, String system) {
        if (chat) {
            List<ChatMessage> messages = new ArrayList<>();
            if (system != null) {
                messages.add(new ChatMessage(ChatMessage.SYSTEM, system, false));
            }
            messages.add(new ChatMessage(ChatMessage.USER, prompt, false));
            ChatTemplate template = ChatTemplate.forTokenizer(tok);
            return tok.encode(template.render(messages, true));
        }
        int[] text = tok.encode(prompt);
        if (tok.bosId().isEmpty()) {
            return text;
        }
        int[] ids = new int[text.length + 1];
        ids[0] = tok.bosId().get();
        System.arraycopy(text, 0, ids, 1, text.length);
        return ids;
    }
}
