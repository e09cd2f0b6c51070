package dev.loraforge.engine.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.loraforge.engine.io.Npy;
import dev.loraforge.engine.lora.PeftAdapters;
import dev.loraforge.engine.model.Adapter;
import dev.loraforge.engine.model.LlamaModel;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "logits", mixinStandardHelpOptions = true,
        description = "Write the logits of a token sequence as a float32 [tokens, vocab] NumPy .npy file.")
final class LogitsCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR")
    Path model;

    @Option(names = "--adapter", paramLabel = "DIR", description = "PEFT adapter directory (LoRA or prefix).")
    Path adapter;

    @Option(names = "--ids", required = true, split = ",", paramLabel = "1,2,3", description = "Token ids.")
    List<Long> ids;

    @Option(names = "--out", required = true, paramLabel = "FILE.npy")
    Path out;

    @Mixin
    EngineOptions engine;

    @Override
    public Integer call() {
        try (LlamaModel llama = LlamaModel.load(model, engine.device()); Adapter a = adapter == null ? null : PeftAdapters.load(llama, adapter)) {
            int vocab = llama.config().vocabSize();
            long[] tokens = ids.stream().mapToLong(Long::longValue).toArray();
            for (int i = 0; i < tokens.length; i++) {
                if (tokens[i] < 0 || tokens[i] >= vocab) {
                    throw new IllegalArgumentException("--ids[" + i + "] = " + tokens[i] + " is outside the vocabulary [0, " + vocab + ")");
                }
            }
            try (NDManager m = llama.manager().newSubManager()) {
                NDArray logits = llama.forward(m.create(tokens, new Shape(1, tokens.length)), null, null, a); // (1, T, V)
                Npy.writeFloat32(out, logits.reshape(tokens.length, vocab));                                  // (T, V)
            }
            System.out.printf("wrote logits [%d, %d] to %s%n", tokens.length, vocab, out);
        }
        return 0;
    }
}
