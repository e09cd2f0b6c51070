package dev.loraforge.artifacts.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Writes tiny Hugging Face model directories by hand: config.json and safetensors files. */
public final class ModelFiles {

    private ModelFiles() {
    }

    /** A tensor to write: dtype (F32, F16, BF16) and shape. */
    public record Tensor(String dtype, long... shape) {
        public long elements() {
            return Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        }

        public int bytesPerElement() {
            return dtype.equals("F32") ? 4 : 2;
        }
    }

    public static void config(Path dir, String json) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), json);
    }

    public static String llamaConfig(int hidden, int layers, int heads, int kvHeads, int vocab) {
        return llamaConfig(hidden, layers, heads, kvHeads, vocab, "float32");
    }

    public static String llamaConfig(int hidden, int layers, int heads, int kvHeads, int vocab, String torchDtype) {
        return """
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": %d,
                 "num_hidden_layers": %d, "num_attention_heads": %d, "num_key_value_heads": %d,
                 "vocab_size": %d, "intermediate_size": %d, "max_position_embeddings": 128,
                 "rope_theta": 10000.0, "tie_word_embeddings": true, "torch_dtype": "%s"}
                """.formatted(hidden, layers, heads, kvHeads, vocab, INTERMEDIATE, torchDtype);
    }

    /** intermediate_size of {@link #llamaConfig}. */
    public static final int INTERMEDIATE = 32;

    /** Every tensor of a tied Llama of {@link #llamaConfig}'s shape, in {@code dtype} (F32, F16 or BF16). */
    public static Map<String, Tensor> llamaTensors(int hidden, int layers, int heads, int kvHeads, int vocab,
                                                   String dtype) {
        Map<String, Tensor> t = new java.util.LinkedHashMap<>();
        int headDim = hidden / heads;
        t.put("model.embed_tokens.weight", new Tensor(dtype, vocab, hidden));
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            t.put(p + "input_layernorm.weight", new Tensor(dtype, hidden));
            t.put(p + "self_attn.q_proj.weight", new Tensor(dtype, (long) heads * headDim, hidden));
            t.put(p + "self_attn.k_proj.weight", new Tensor(dtype, (long) kvHeads * headDim, hidden));
            t.put(p + "self_attn.v_proj.weight", new Tensor(dtype, (long) kvHeads * headDim, hidden));
            t.put(p + "self_attn.o_proj.weight", new Tensor(dtype, hidden, (long) heads * headDim));
            t.put(p + "post_attention_layernorm.weight", new Tensor(dtype, hidden));
            t.put(p + "mlp.gate_proj.weight", new Tensor(dtype, INTERMEDIATE, hidden));
            t.put(p + "mlp.up_proj.weight", new Tensor(dtype, INTERMEDIATE, hidden));
            t.put(p + "mlp.down_proj.weight", new Tensor(dtype, hidden, INTERMEDIATE));
        }
        t.put("model.norm.weight", new Tensor(dtype, hidden));
        return t;
    }

    /** Elements over all tensors. */
    public static long parameters(Map<String, Tensor> tensors) {
        return tensors.values().stream().mapToLong(Tensor::elements).sum();
    }

    /** tokenizer.json (a byte-level BPE skeleton) and tokenizer_config.json with a chat template. */
    public static void tokenizer(Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), "{\"version\":\"1.0\",\"model\":{\"type\":\"BPE\",\"vocab\":{},\"merges\":[]}}");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\":\"{% for m in messages %}"
                + "{{ m.role }}: {{ m.content }}\\n{% endfor %}\",\"eos_token\":\"</s>\"}");
    }

    /**
     * A complete tiny Llama directory (hidden 8, 2 layers, 4 heads, 2 KV heads, vocab 16, tied) in {@code torchDtype}
     * with a tokenizer and chat template: its weights in one file, or over {@code shards} files with an index.
     */
    public static Map<String, Tensor> tinyLlama(Path dir, String torchDtype, int shards, long seed) throws IOException {
        String dtype = switch (torchDtype) {
            case "bfloat16" -> "BF16";
            case "float16" -> "F16";
            default -> "F32";
        };
        config(dir, llamaConfig(8, 2, 4, 2, 16, torchDtype));
        Map<String, Tensor> tensors = llamaTensors(8, 2, 4, 2, 16, dtype);
        if (shards <= 1) {
            safetensors(dir.resolve("model.safetensors"), tensors, seed);
        } else {
            List<String> names = List.copyOf(tensors.keySet());
            StringBuilder map = new StringBuilder();
            for (int s = 0; s < shards; s++) {
                String file = "model-%05d-of-%05d.safetensors".formatted(s + 1, shards);
                Map<String, Tensor> part = new java.util.LinkedHashMap<>();
                for (int i = s; i < names.size(); i += shards) {
                    part.put(names.get(i), tensors.get(names.get(i)));
                    map.append(map.isEmpty() ? "" : ",").append('"').append(names.get(i)).append("\":\"").append(file).append('"');
                }
                safetensors(dir.resolve(file), part, seed + s);
            }
            Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"metadata\":{},\"weight_map\":{" + map + "}}");
        }
        tokenizer(dir);
        return tensors;
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
