package dev.loraforge.engine.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import dev.loraforge.engine.io.SafeTensorsReader;
import dev.loraforge.engine.io.SafeTensorsWriter;
import dev.loraforge.engine.model.Adapter;
import dev.loraforge.engine.model.LlamaConfig;
import dev.loraforge.engine.model.LlamaModel;
import dev.loraforge.engine.model.Ops;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

/**
 * Prefix tuning (Li and Liang 2021) as PEFT's PREFIX_TUNING without prefix_projection: one
 * trainable matrix {@code prompt_embeddings} (P, layers*2*kvHeads*headDim) whose row p holds, for
 * every layer, the key then the value of virtual position p (PEFT views it as
 * (P, layers*2, kvHeads, headDim)). The model attends to these P positions before the tokens, and
 * the tokens' positions start at P, as with transformers' past_key_values. Initialised N(0, 1) like
 * PEFT's nn.Embedding.
 */
public final class PrefixAdapter implements Adapter {

    private final LlamaModel model;
    private final NDManager manager;
    private final NDArray embeddings; // (P, L*2*kvh*d)
    private final int virtualTokens;
    private final Map<String, NDArray> parameters;

    private PrefixAdapter(LlamaModel model, NDManager manager, NDArray embeddings) {
        this.model = model;
        this.manager = manager;
        this.embeddings = embeddings;
        this.virtualTokens = (int) embeddings.getShape().get(0);
        this.parameters = Map.of("prompt_embeddings", embeddings);
        parameters.keySet().forEach(LoraAdapter::requireAdapterKey);
    }

    /** New prefixes of {@code numVirtualTokens} positions, N(0, 1) from a seeded {@link Random}. */
    public static PrefixAdapter create(LlamaModel model, int numVirtualTokens, long seed) {
        if (numVirtualTokens <= 0) {
            throw new IllegalArgumentException("num_virtual_tokens must be > 0, got " + numVirtualTokens);
        }
        long width = width(model.config());
        float[] v = new float[Math.toIntExact(numVirtualTokens * width)];
        Random random = new Random(seed);
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) random.nextGaussian();
        }
        NDManager manager = model.manager().newSubManager();
        NDArray e = Ops.owned(manager.create(v, new Shape(numVirtualTokens, width)));
        e.setRequiresGradient(true);
        return new PrefixAdapter(model, manager, e);
    }

    /** Loads a PEFT PREFIX_TUNING directory (prefix_projection false) made for this architecture. */
    public static PrefixAdapter load(LlamaModel model, Path adapterDir) {
        JsonNode j = PeftConfigFiles.read(adapterDir);
        String where = adapterDir.resolve(PeftConfigFiles.CONFIG).toString();
        if (!j.path("peft_type").asText().equals("PREFIX_TUNING")) {
            throw new IllegalArgumentException(where + ": peft_type is '" + j.path("peft_type").asText()
                    + "', expected PREFIX_TUNING");
        }
        if (j.path("prefix_projection").asBoolean(false)) {
            throw new IllegalArgumentException(where + ": prefix_projection is true; only the plain prefix "
                    + "(prefix_projection false) is supported");
        }
        LlamaConfig c = model.config();
        int p = j.path("num_virtual_tokens").asInt(-1);
        check(j.path("num_layers").asInt(c.numHiddenLayers()) == c.numHiddenLayers(), where,
                "num_layers " + j.path("num_layers") + " differs from the model's " + c.numHiddenLayers());
        check(j.path("num_attention_heads").asInt(c.numKeyValueHeads()) == c.numKeyValueHeads(), where,
                "num_attention_heads " + j.path("num_attention_heads") + " differs from the model's key/value heads "
                        + c.numKeyValueHeads());
        NDManager manager = model.manager().newSubManager();
        try (SafeTensorsReader reader = SafeTensorsReader.open(adapterDir.resolve(PeftConfigFiles.WEIGHTS))) {
            long[] expected = {p, width(c)};
            long[] shape = reader.info("prompt_embeddings").shape();
            check(Arrays.equals(shape, expected), where, "prompt_embeddings has shape " + Arrays.toString(shape)
                    + ", expected " + Arrays.toString(expected) + " (num_virtual_tokens, layers*2*kv_heads*head_dim)");
            NDArray e = reader.readFloat32("prompt_embeddings", manager);
            e.setRequiresGradient(true);
            return new PrefixAdapter(model, manager, e);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private static void check(boolean ok, String where, String message) {
        if (!ok) {
            throw new IllegalArgumentException(where + ": " + message);
        }
    }

    /** layers * 2 * kvHeads * headDim: PEFT's num_layers * 2 * token_dim after its GQA adjustment. */
    static long width(LlamaConfig c) {
        return 2L * c.numHiddenLayers() * c.numKeyValueHeads() * c.headDim();
    }

    @Override
    public String peftType() {
        return "PREFIX_TUNING";
    }

    @Override
    public Map<String, NDArray> trainableParameters() {
        return parameters;
    }

    @Override
    public int prefixLength() {
        return virtualTokens;
    }

    @Override
    public NDList keyValuePrefix(int layer, NDArray like) {
        LlamaConfig c = model.config();
        long b = like.getShape().get(0);
        long span = (long) c.numKeyValueHeads() * c.headDim();
        long start = 2L * layer * span;
        NDArray kv = Ops.into(embeddings.get(new NDIndex(":, {}:{}", start, start + 2 * span)), like.getManager()); // (P, 2*kvh*d)
        NDArray shaped = kv.reshape(virtualTokens, 2, c.numKeyValueHeads(), c.headDim())  // (P, 2, kvh, d)
                .transpose(1, 2, 0, 3)                                                    // (2, kvh, P, d)
                .expandDims(1)                                                            // (2, 1, kvh, P, d)
                .broadcast(new Shape(2, b, c.numKeyValueHeads(), virtualTokens, c.headDim())); // (2, B, kvh, P, d)
        return new NDList(shaped.get(0), shaped.get(1));
    }

    @Override
    public void save(Path adapterDir) {
        save(adapterDir, model.directory() == null ? null : model.directory().toString());
    }

    /** adapter_config.json with PromptLearningConfig's fields and adapter_model.safetensors. */
    public void save(Path adapterDir, String baseModelNameOrPath) {
        new SafeTensorsWriter().metadata("format", "pt").add("prompt_embeddings", embeddings)
                .write(adapterDir.resolve(PeftConfigFiles.WEIGHTS));
        LlamaConfig c = model.config();
        Map<String, Object> m = PeftConfigFiles.common("PREFIX_TUNING", baseModelNameOrPath);
        int tokenDim = c.numKeyValueHeads() * c.headDim();
        m.put("encoder_hidden_size", tokenDim);
        m.put("num_attention_heads", c.numKeyValueHeads());
        m.put("num_layers", c.numHiddenLayers());
        m.put("num_transformer_submodules", 1);
        m.put("num_virtual_tokens", virtualTokens);
        m.put("prefix_projection", false);
        m.put("token_dim", tokenDim);
        PeftConfigFiles.write(adapterDir, m);
    }

    /** Copies saved prefixes into this adapter's parameter (for resuming). */
    public void loadWeights(Path adapterDir) {
        PeftConfigFiles.read(adapterDir);
        try (SafeTensorsReader reader = SafeTensorsReader.open(adapterDir.resolve(PeftConfigFiles.WEIGHTS))) {
            LoraAdapter.copyInto(embeddings, reader.readFloats("prompt_embeddings"),
                    reader.info("prompt_embeddings").shape(), "prompt_embeddings");
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
