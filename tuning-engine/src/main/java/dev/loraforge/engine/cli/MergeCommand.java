package dev.loraforge.engine.cli;

import dev.loraforge.engine.lora.LoraMerge;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "merge", mixinStandardHelpOptions = true,
        description = "Merge a LoRA adapter into the base weights: a full Hugging Face model directory (W' = W + scaling * B A).")
final class MergeCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR")
    Path model;

    @Option(names = "--adapter", required = true, paramLabel = "DIR")
    Path adapter;

    @Option(names = "--out", required = true, paramLabel = "DIR")
    Path out;

    @Mixin
    EngineOptions engine;

    @Override
    public Integer call() {
        LoraMerge.merge(model, adapter, out);
        System.out.println("merged " + adapter + " into " + model + " -> " + out);
        return 0;
    }
}
