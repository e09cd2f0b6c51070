package dev.loraforge.engine.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.loraforge.engine.io.SafeTensorsReader;
import dev.loraforge.engine.model.LlamaConfig;
import dev.loraforge.engine.model.LlamaModel;
import dev.loraforge.engine.model.WeightLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads a PEFT LoRA directory. Which modules are adapted comes from the tensors present (so
 * {@code layers_to_transform} subsets and regex {@code target_modules} need no interpretation);
 * ranks and alphas come from the config and its patterns, checked against the tensor shapes.
 */
final class LoraLoader {

    private LoraLoader() {
    }

    static LoraAdapter load(LlamaModel model, Path dir) {
        JsonNode json = PeftConfigFiles.read(dir);
        LoraConfigJson.Parsed parsed = LoraConfigJson.fromPeft(json, dir);
        LlamaConfig c = model.config();
        Path weights = dir.resolve(PeftConfigFiles.WEIGHTS);
        NDManager manager = model.manager().newSubManager();
        try (SafeTensorsReader reader = SafeTensorsReader.open(weights)) {
            LoraAdapter.Pair[][] pairs = new LoraAdapter.Pair[c.numHiddenLayers()][WeightLayout.ALL_PROJECTIONS.size()];
            Set<String> targets = new LinkedHashSet<>();
            for (String key : reader.names()) {
                PeftKeys.LoraKey k = PeftKeys.parse(key);
                if (k == null) {
                    throw new IllegalArgumentException(weights + ": tensor '" + key + "' is not a LoRA matrix of a "
                            + "Llama projection (expected e.g. " + PeftKeys.loraA(0, "q_proj") + ")");
                }
                if (k.layer() >= c.numHiddenLayers()) {
                    throw new IllegalArgumentException(weights + ": '" + key + "' names layer " + k.layer()
                            + " but the model has " + c.numHiddenLayers());
                }
                int idx = WeightLayout.ALL_PROJECTIONS.indexOf(k.projection());
                if (pairs[k.layer()][idx] == null && k.isA()) {
                    pairs[k.layer()][idx] = readPair(reader, key, k, c, parsed, manager);
                    targets.add(k.projection());
                } else if (pairs[k.layer()][idx] == null) {
                    String a = key.replace(".lora_B", ".lora_A");
                    if (!reader.contains(a)) {
                        throw new IllegalArgumentException(weights + ": '" + key + "' has no matching lora_A");
                    }
                }
            }
            if (targets.isEmpty()) {
                throw new IllegalArgumentException(weights + " holds no LoRA matrices");
            }
            List<String> targetList = new ArrayList<>(WeightLayout.ALL_PROJECTIONS);
            targetList.retainAll(targets);
            LoraConfig config = new LoraConfig(parsed.r(), parsed.alpha(), parsed.dropout(), targetList, parsed.rslora(),
                    parsed.init());
            return new LoraAdapter(model, config, manager, pairs, parsed.patterns());
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private static LoraAdapter.Pair readPair(SafeTensorsReader reader, String aKey, PeftKeys.LoraKey k, LlamaConfig c,
                                             LoraConfigJson.Parsed parsed, NDManager manager) {
        String bKey = aKey.replace(".lora_A", ".lora_B");
        if (!reader.contains(bKey)) {
            throw new IllegalArgumentException("'" + aKey + "' has no matching lora_B");
        }
        String module = WeightLayout.modulePath(k.layer(), k.projection());
        int r = parsed.patterns().rankFor(module, parsed.r());
        long[] w = WeightLayout.projectionShape(c, k.projection()); // (out, in)
        long[] aShape = reader.info(aKey).shape();
        long[] bShape = reader.info(bKey).shape();
        if (!Arrays.equals(aShape, new long[] {r, w[1]}) || !Arrays.equals(bShape, new long[] {w[0], r})) {
            throw new IllegalArgumentException("'" + aKey + "' / lora_B have shapes " + Arrays.toString(aShape) + " / "
                    + Arrays.toString(bShape) + " but r=" + r + " and the base " + k.projection() + " is "
                    + Arrays.toString(w) + ": expected " + Arrays.toString(new long[] {r, w[1]}) + " / "
                    + Arrays.toString(new long[] {w[0], r}) + " (wrong base model?)");
        }
        double alpha = parsed.patterns().alphaFor(module, parsed.alpha());
        NDArray a = reader.readFloat32(aKey, manager);
        NDArray b = reader.readFloat32(bKey, manager);
        a.setRequiresGradient(true);
        b.setRequiresGradient(true);
        return new LoraAdapter.Pair(a, b, r, LoraConfig.scaling(r, alpha, parsed.rslora()));
    }
}
