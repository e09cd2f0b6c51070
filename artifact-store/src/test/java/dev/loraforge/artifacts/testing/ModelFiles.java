package dev.loraforge.artifacts.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

/** Writes tiny Hugging Face model directories by hand: config.json and safetensors files. */
public final class ModelFiles {

    private ModelFiles() {
    }

    /** A tensor to write: dtype (F32, F16, BF16) and shape. */
    public record Tensor(String dtype, long... shape) {
        long elements() {
            return Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        }

        int bytesPerElement() {
            return dtype.equals("F32") ? 4 : 2;
        }
    }

    public static void config(Path dir, String json) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), json);
    }

    public static String llamaConfig(int hidden, int layers, int heads, int kvHeads, int vocab) {
        return """
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": %d,
                 "num_hidden_layers": %d, "num_attention_heads": %d, "num_key_value_heads": %d,
                 "vocab_size": %d, "intermediate_size": 32, "max_position_embeddings": 128,
                 "rope_theta": 10000.0, "tie_word_embeddings": true, "torch_dtype": "float32"}
                """.formatted(hidden, layers, heads, kvHeads, vocab);
    }

    /** A safetensors file: 8-byte little-endian header length, the JSON header, then the data. */
    public static void safetensors(Path file, Map<String, Tensor> tensors, long seed) throws IOException {
        StringBuilder header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            long bytes = e.getValue().elements() * e.getValue().bytesPerElement();
            header.append(",\"").append(e.getKey()).append("\":{\"dtype\":\"").append(e.getValue().dtype())
                    .append("\",\"shape\":").append(Arrays.toString(e.getValue().shape()).replace(" ", ""))
                    .append(",\"data_offsets\":[").append(offset).append(',').append(offset + bytes).append("]}");
            offset += bytes;
        }
        header.append('}');
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        byte[] data = new byte[(int) offset];
        new Random(seed).nextBytes(data);
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).array());
            out.write(json);
            out.write(data);
        }
    }
}
