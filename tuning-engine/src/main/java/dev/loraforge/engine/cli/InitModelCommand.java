package dev.loraforge.engine.cli;

import dev.loraforge.engine.fixtures.TinyModelGenerator;
import dev.loraforge.engine.model.Family;
import dev.loraforge.engine.model.LlamaConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "init-model", mixinStandardHelpOptions = true,
        description = "Write a random model in Hugging Face format (config, safetensors, tokenizer) of a preset's size"
                + " and any supported family.")
final class InitModelCommand implements Callable<Integer> {

    @Option(names = "--preset", required = true, paramLabel = "NAME", description = "tiny, small, qwen2.5-0.5b (Qwen2.5-0.5B's shape, bf16, ~1 GB) or llama3.1-8b (Llama-3.1-8B's shape, bf16, ~16 GB in 5 GB shards).")
    String preset;

    @Option(names = "--family", defaultValue = "llama", paramLabel = "MODEL_TYPE",
            description = "llama, mistral, qwen2, qwen3, gemma2, gemma3_text or phi3 (default: ${DEFAULT-VALUE}).")
    String family;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory to write.")
    Path out;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "N", description = "Weight seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() {
        LlamaConfig cfg = TinyModelGenerator.write(TinyModelGenerator.Preset.parse(preset), Family.of(family), out, seed);
        System.out.printf("wrote %s %s model to %s: hidden %d, %d layers, %d heads (%d kv), vocab %d, %,d parameters%n",
                preset, family, out, cfg.hiddenSize(), cfg.numHiddenLayers(), cfg.numAttentionHeads(), cfg.numKeyValueHeads(),
                cfg.vocabSize(), cfg.parameterCount());
        return 0;
    }
}
