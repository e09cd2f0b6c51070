package dev.loraforge.engine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loraforge.engine.io.SafeTensorsReader;
import dev.loraforge.engine.io.TensorInfo;
import dev.loraforge.engine.model.LlamaConfig;
import dev.loraforge.engine.quant.QuantizedModelInfo;
import dev.loraforge.engine.tokenizer.ModelTokenizer;
import dev.loraforge.engine.train.Checkpoint;
import dev.loraforge.engine.train.TrainState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Prints a JSON summary of a model, adapter or checkpoint directory. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Describe a model, PEFT adapter or checkpoint directory (JSON).")
final class InspectCommand implements Callable<Integer> {

    @Parameters(paramLabel = "DIR")
    Path dir;

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + " is not a directory");
        }
        Map<String, Object> out;
        if (Files.isRegularFile(dir.resolve(Checkpoint.STATE_FILE))) {
            out = checkpoint(dir);
        } else if (Files.isRegularFile(dir.resolve("adapter_config.json"))) {
            out = adapter(dir);
        } else if (Files.isRegularFile(dir.resolve("config.json"))) {
            out = model(dir);
        } else {
            throw new IllegalArgumentException(dir + " has no config.json, adapter_config.json or " + Checkpoint.STATE_FILE
                    + ": not a model, adapter or checkpoint directory");
        }
        System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out));
        return 0;
    }

    static Map<String, Object> model(Path dir) throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", "model");
        LlamaConfig c = LlamaConfig.load(dir);
        m.put("model_type", c.modelType());
        m.put("architecture", c.family().architecture());
        m.put("features", c.features());
        m.put("projections", c.projections());
        m.put("hidden_size", c.hiddenSize());
        m.put("intermediate_size", c.intermediateSize());
        m.put("num_hidden_layers", c.numHiddenLayers());
        m.put("num_attention_heads", c.numAttentionHeads());
        m.put("num_key_value_heads", c.numKeyValueHeads());
        m.put("head_dim", c.headDim());
        m.put("vocab_size", c.vocabSize());
        m.put("tie_word_embeddings", c.tieWordEmbeddings());
        m.put("parameters", c.parameterCount());
        m.put("tensors", tensors(dir, null));
        QuantizedModelInfo.describe(dir).ifPresent(q -> m.put("quantization", q));
        if (Files.isRegularFile(dir.resolve("tokenizer.json"))) {
            try (ModelTokenizer tok = ModelTokenizer.load(dir)) {
                Map<String, Object> t = new LinkedHashMap<>();
                t.put("vocab_size", tok.vocabSize());
                t.put("bos_token", tok.bosToken().orElse(null));
                t.put("eos_token", tok.eosToken().orElse(null));
                t.put("chat_template", tok.chatTemplate().isPresent());
                m.put("tokenizer", t);
            }
        }
        return m;
    }

    static Map<String, Object> adapter(Path dir) throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", "adapter");
        JsonNode cfg = JSON.readTree(dir.resolve("adapter_config.json").toFile());
        for (String key : new String[] {"peft_type", "base_model_name_or_path", "r", "lora_alpha", "lora_dropout",
                "target_modules", "use_rslora", "num_virtual_tokens", "task_type"}) {
            if (cfg.has(key)) {
                m.put(key, cfg.get(key));
            }
        }
        Path weights = dir.resolve("adapter_model.safetensors");
        if (Files.isRegularFile(weights)) {
            m.put("tensors", tensors(dir, weights));
        }
        return m;
    }

    static Map<String, Object> checkpoint(Path dir) throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", "checkpoint");
        TrainState s = Checkpoint.readState(dir);
        m.put("global_step", s.globalStep());
        m.put("max_steps", s.maxSteps());
        m.put("data_position", Map.of("epoch", s.dataEpoch(), "offset", s.dataOffset()));
        m.put("seed", s.seed());
        m.put("last_loss", s.losses().isEmpty() ? null : s.losses().get(s.losses().size() - 1));
        Path adapterDir = dir.resolve(Checkpoint.ADAPTER_DIR);
        if (Files.isRegularFile(adapterDir.resolve("adapter_config.json"))) {
            m.put("adapter", adapter(adapterDir));
        }
        return m;
    }

    private static Map<String, Object> tensors(Path dir, Path file) {
        Map<String, Object> t = new LinkedHashMap<>();
        try (SafeTensorsReader r = file == null ? SafeTensorsReader.openModel(dir) : SafeTensorsReader.open(file)) {
            Map<String, Integer> dtypes = new TreeMap<>();
            long elements = 0;
            for (String name : r.names()) {
                TensorInfo info = r.info(name);
                dtypes.merge(info.dtype().tag(), 1, Integer::sum);
                elements += info.elementCount();
            }
            t.put("count", r.names().size());
            t.put("elements", elements);
            t.put("dtypes", dtypes);
            t.put("first", r.names().isEmpty() ? null : r.names().first());
        }
        return t;
    }
}
