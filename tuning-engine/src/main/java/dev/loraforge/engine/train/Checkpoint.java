package dev.loraforge.engine.train;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.loraforge.engine.io.SafeTensorsReader;
import dev.loraforge.engine.io.SafeTensorsWriter;
import dev.loraforge.engine.model.Adapter;
import dev.loraforge.engine.model.Ops;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A checkpoint directory {@code checkpoint-<step>} (Hugging Face Trainer's naming):
 * <ul>
 *   <li>{@code adapter/}: the PEFT adapter at this step (usable on its own);</li>
 *   <li>{@code optimizer.safetensors}: fp32 {@code param/<name>}, {@code exp_avg/<name>},
 *       {@code exp_avg_sq/<name>} for every trainable parameter, optimizer step in the metadata;</li>
 *   <li>{@code trainer_state.json}: {@link TrainState} (step, data position, seed and RNG scheme, loss
 *       history, the settings a resume must share), snake_case keys.</li>
 * </ul>
 * It is written under a temporary name and renamed when complete, so a crash never leaves a
 * half-written {@code checkpoint-N}.
 */
public final class Checkpoint {

    public static final String ADAPTER_DIR = "adapter";
    public static final String OPTIMIZER_FILE = "optimizer.safetensors";
    public static final String STATE_FILE = "trainer_state.json";
    private static final Pattern NAME = Pattern.compile("checkpoint-(\\d+)");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    private Checkpoint() {
    }

    /** Writes {@code root/checkpoint-<step>} and returns it. */
    public static Path save(Path root, Adapter adapter, Map<String, NDArray> params, AdamW optimizer, TrainState state) {
        Path dir = root.resolve("checkpoint-" + state.globalStep());
        Path tmp = root.resolve(".checkpoint-" + state.globalStep() + ".tmp");
        try {
            deleteRecursively(tmp);
            Files.createDirectories(tmp);
            adapter.save(tmp.resolve(ADAPTER_DIR));
            SafeTensorsWriter w = new SafeTensorsWriter().metadata("optimizer", "adamw")
                    .metadata("step", Long.toString(optimizer.stepCount()));
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                w.add("param/" + e.getKey(), e.getValue());
                w.add("exp_avg/" + e.getKey(), optimizer.expAvg().get(e.getKey()));
                w.add("exp_avg_sq/" + e.getKey(), optimizer.expAvgSq().get(e.getKey()));
            }
            w.write(tmp.resolve(OPTIMIZER_FILE));
            JSON.writeValue(tmp.resolve(STATE_FILE).toFile(), state);
            deleteRecursively(dir);
            Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + dir, e);
        }
    }

    /** Reads the state file of a checkpoint directory. */
    public static TrainState readState(Path dir) {
        Path file = dir.resolve(STATE_FILE);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(dir + " is not a checkpoint: it has no " + STATE_FILE);
        }
        try {
            return JSON.readValue(file.toFile(), TrainState.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Copies the saved parameter values and optimizer moments into {@code params} and {@code optimizer}. */
    public static void restoreTensors(Path dir, Map<String, NDArray> params, AdamW optimizer) {
        Path file = dir.resolve(OPTIMIZER_FILE);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(dir + " is not a checkpoint: it has no " + OPTIMIZER_FILE);
        }
        try (SafeTensorsReader r = SafeTensorsReader.open(file)) {
            Map<String, float[]> avg = new HashMap<>();
            Map<String, float[]> avgSq = new HashMap<>();
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                String name = e.getKey();
                if (!r.contains("param/" + name)) {
                    throw new IllegalArgumentException("checkpoint " + dir + " has no parameter " + name
                            + "; was it made with another adapter configuration?");
                }
                long[] saved = r.info("param/" + name).shape();
                if (!java.util.Arrays.equals(saved, e.getValue().getShape().getShape())) {
                    throw new IllegalArgumentException("checkpoint " + dir + ": parameter " + name + " has shape "
                            + java.util.Arrays.toString(saved) + ", the adapter has " + e.getValue().getShape());
                }
                Ops.copyInto(e.getValue(), r.readFloats("param/" + name));
                avg.put(name, r.readFloats("exp_avg/" + name));
                avgSq.put(name, r.readFloats("exp_avg_sq/" + name));
            }
            optimizer.restore(avg, avgSq, Long.parseLong(r.metadata().getOrDefault("step", "0")));
        }
    }

    /** The checkpoint with the highest step under {@code root}, if any. */
    public static Optional<Path> latest(Path root) {
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(p -> NAME.matcher(p.getFileName().toString()).matches())
                    .filter(p -> Files.isRegularFile(p.resolve(STATE_FILE)))
                    .max(Comparator.comparingLong(Checkpoint::stepOf));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long stepOf(Path p) {
        Matcher m = NAME.matcher(p.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
