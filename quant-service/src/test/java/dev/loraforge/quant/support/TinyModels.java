package dev.loraforge.quant.support;

import dev.loraforge.engine.fixtures.TinyModelGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tiny real Llama models from the engine's deterministic fixture generator (what {@code tune init-model
 * --preset tiny} writes: config, safetensors weights, tokenizer); one directory per seed, made once per JVM.
 * Different seeds give different weights, hence different digests, so tests do not share pairs.
 */
public final class TinyModels {

    private static final Map<Long, Path> MODELS = new ConcurrentHashMap<>();
    private static Path root;

    private TinyModels() {
    }

    /** The tiny model written with {@code seed}. */
    public static synchronized Path model(long seed) {
        return MODELS.computeIfAbsent(seed, s -> {
            try {
                if (root == null) {
                    root = Files.createTempDirectory("tiny-models");
                }
                Path dir = root.resolve("tiny-" + s);
                TinyModelGenerator.write(TinyModelGenerator.Preset.TINY, dir, s);
                return dir;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** A new empty directory for a test's scratch files. */
    public static Path scratch(String name) {
        try {
            return Files.createTempDirectory(name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
