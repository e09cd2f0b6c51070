package dev.loraforge.engine.cli;

import dev.loraforge.engine.fixtures.TinyModelGenerator;
import dev.loraforge.engine.model.LlamaConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "init-model", mixinStandardHelpOptions = true,
        description = "Write a random Llama model in Hugging Face format (config, safetensors, tokenizer).")
final class InitModelCommand implements Callable<Integer> {

    @Option(names = "--preset", required = true, paramLabel = "NAME", description = "tiny or small.")
    String preset;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory to write.")
    Path out;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "N", description = "Weight seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() {
        LlamaConfig cfg = TinyModelGenerator.write(TinyModelGenerator.Preset.parse(preset), out, seed);
        System.out.printf("wrote %s model to %s: hidden %d, %d layers, %d heads (%d kv), vocab %d, %,d parameters%n",
                preset, out, cfg.hiddenSize(), cfg.numHiddenLayers(), cfg.numAttentionHeads(), cfg.numKeyValueHeads(),
                cfg.vocabSize(), cfg.parameterCount());
        return 0;
    }
}
