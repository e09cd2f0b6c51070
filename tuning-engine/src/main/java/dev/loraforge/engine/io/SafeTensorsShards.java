package dev.loraforge.engine.io;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Sharded checkpoints as transformers' {@code save_pretrained} writes them: tensors in order, a new shard
 * started when the next tensor would take the current one past the limit (a tensor larger than the limit
 * gets a shard of its own), files named {@code model-00001-of-00004.safetensors}, and
 * {@code model.safetensors.index.json} with {@code metadata.total_size} (bytes of tensor data) and the
 * {@code weight_map} from tensor name to file. One shard is written as plain {@code model.safetensors}, no index.
 */
public final class SafeTensorsShards {

    /** transformers' default {@code max_shard_size}, "5GB" (decimal). */
    public static final long DEFAULT_MAX_SHARD_BYTES = 5_000_000_000L;
    public static final String INDEX = "model.safetensors.index.json";
    public static final String SINGLE = "model.safetensors";

    private SafeTensorsShards() {
    }

    /** The shard of each tensor (0-based), given the tensors' byte sizes in file order. */
    public static int[] plan(long[] bytes, long maxShardBytes) {
        if (maxShardBytes <= 0) {
            throw new IllegalArgumentException("the shard size limit must be positive, got " + maxShardBytes);
        }
        int[] shard = new int[bytes.length];
        int current = 0;
        long size = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (size > 0 && size + bytes[i] > maxShardBytes) {
                current++;
                size = 0;
            }
            size += bytes[i];
            shard[i] = current;
        }
        return shard;
    }

    /** File name of shard {@code index} (0-based) of {@code count}. */
    public static String fileName(int index, int count) {
        if (count == 1) {
            return SINGLE;
        }
        return String.format("model-%05d-of-%05d.safetensors", index + 1, count);
    }

    /** Writes {@code dir/model.safetensors.index.json} (keys sorted, as transformers writes them). */
    public static void writeIndex(Path dir, long totalSize, Map<String, String> weightMap) {
        ObjectNode root = SafeTensorsReader.JSON.createObjectNode();
        root.putObject("metadata").put("total_size", totalSize);
        ObjectNode map = root.putObject("weight_map");
        new TreeMap<>(weightMap).forEach(map::put);
        try {
            Files.writeString(dir.resolve(INDEX), SafeTensorsReader.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve(INDEX), e);
        }
    }
}
