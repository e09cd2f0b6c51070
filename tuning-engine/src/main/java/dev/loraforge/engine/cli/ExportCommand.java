package dev.loraforge.engine.cli;

import dev.loraforge.engine.export.GgufExport;
import dev.loraforge.engine.lora.LoraMerge;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tune export}: a model (with an adapter merged in, or alone) as a Hugging Face directory ({@code merged}:
 * {@link LoraMerge}) or as one GGUF file for llama.cpp ({@code gguf}: {@link GgufExport}; with an adapter the merge
 * goes into a temporary directory beside {@code --out}, deleted afterwards).
 */
@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Export a model, with an adapter merged in: a Hugging Face directory (merged) or a GGUF file for llama.cpp (gguf, f16).")
final class ExportCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face model directory (the base).")
    Path model;

    @Option(names = "--adapter", paramLabel = "DIR", description = "LoRA adapter to merge into --model (required for merged).")
    Path adapter;

    @Option(names = "--format", required = true, paramLabel = "merged|gguf",
            description = "merged: a full model directory; gguf: one GGUF v3 file (llama, mistral, qwen2; f16).")
    String format;

    @Option(names = "--out", required = true, paramLabel = "PATH", description = "Output directory (merged) or .gguf file (gguf).")
    Path out;

    @Option(names = "--name", paramLabel = "NAME", description = "general.name of the GGUF file (default: the model directory's name).")
    String name;

    @Mixin
    EngineOptions engine;

    @Override
    public Integer call() {
        if (!Files.isDirectory(model)) {
            throw new IllegalArgumentException("--model " + model + " is not a directory");
        }
        if (adapter != null && !Files.isDirectory(adapter)) {
            throw new IllegalArgumentException("--adapter " + adapter + " is not a directory");
        }
        switch (format) {
            case "merged" -> merged();
            case "gguf" -> gguf();
            default -> throw new IllegalArgumentException("--format " + format + " is not known; use merged or gguf");
        }
        return 0;
    }

    private void merged() {
        if (adapter == null) {
            throw new IllegalArgumentException("--format merged needs --adapter DIR (the adapter to merge into --model);"
                    + " to convert the model alone use --format gguf");
        }
        if (name != null) {
            throw new IllegalArgumentException("--name is the GGUF general.name; it applies to --format gguf only");
        }
        LoraMerge.merge(model, adapter, out);
        System.out.println("merged " + adapter + " into " + model + " -> " + out);
    }

    private void gguf() {
        String modelName = name != null ? name : model.toAbsolutePath().normalize().getFileName().toString();
        GgufExport.Result r;
        if (adapter == null) {
            r = GgufExport.write(model, out, modelName);
        } else {
            Path parent = out.toAbsolutePath().getParent();
            Path merged;
            try {
                Files.createDirectories(parent);
                merged = Files.createTempDirectory(parent, "." + out.getFileName() + ".merged-");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a temporary directory in " + parent, e);
            }
            try {
                LoraMerge.merge(model, adapter, merged);
                r = GgufExport.write(merged, out, modelName);
            } finally {
                deleteRecursively(merged);
            }
        }
        System.out.printf("wrote %s: %s, %d tensors, %,d bytes (f16)%n", r.file(), r.architecture(), r.tensors(), r.bytes());
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the temporary merge " + dir, e);
        }
    }
}
