package dev.loraforge.engine.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.Dropout;
import dev.loraforge.engine.io.SafeTensorsReader;
import dev.loraforge.engine.io.SafeTensorsWriter;
import dev.loraforge.engine.model.Adapter;
import dev.loraforge.engine.model.LlamaConfig;
import dev.loraforge.engine.model.LlamaModel;
import dev.loraforge.engine.model.Ops;
import dev.loraforge.engine.model.WeightLayout;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * LoRA (Hu et al. 2021, section 4.1) on a frozen {@link LlamaModel}: for each targeted projection
 * {@code y = W x + b + scaling * B (A dropout(x))}, A (r x in), B (out x r), scaling alpha/r (or
 * alpha/sqrt(r) with rsLoRA). Parameters live in this adapter's own manager and require gradients;
 * their names are PEFT's saved keys.
 */
public final class LoraAdapter implements Adapter {

    /** One adapted projection: its two matrices and its scaling. */
    record Pair(NDArray a, NDArray b, int r, double scaling) {
    }

    private final LlamaModel model;
    private final LoraConfig config;
    private final NDManager manager;
    private final Pair[][] pairs; // [layer][projection index]
    private final Map<String, NDArray> parameters;
    private final LoraPatterns patterns;

    LoraAdapter(LlamaModel model, LoraConfig config, NDManager manager, Pair[][] pairs, LoraPatterns patterns) {
        this.model = model;
        this.config = config;
        this.manager = manager;
        this.pairs = pairs;
        this.patterns = patterns;
        Map<String, NDArray> params = new LinkedHashMap<>();
        for (int l = 0; l < pairs.length; l++) {
            for (int p = 0; p < WeightLayout.ALL_PROJECTIONS.size(); p++) {
                if (pairs[l][p] != null) {
                    String proj = WeightLayout.ALL_PROJECTIONS.get(p);
                    params.put(PeftKeys.loraA(l, proj), pairs[l][p].a());
                    params.put(PeftKeys.loraB(l, proj), pairs[l][p].b());
                }
            }
        }
        params.keySet().forEach(LoraAdapter::requireAdapterKey);
        this.parameters = Collections.unmodifiableMap(params);
    }

    /** Every trainable parameter must satisfy the one adapter-parameter rule that saving and optimizers rely on. */
    static void requireAdapterKey(String key) {
        if (!Adapter.isAdapterParameter(key)) {
            throw new IllegalStateException("'" + key + "' is not an adapter parameter name");
        }
    }

    /**
     * A new adapter: A initialised per {@code config.init()} from a {@link Random} seeded with
     * {@code seed} (so the same seed gives the same A), B zeros.
     */
    public static LoraAdapter create(LlamaModel model, LoraConfig config, long seed) {
        LlamaConfig c = model.config();
        config = config.resolvedFor(c.family());
        NDManager manager = model.manager().newSubManager();
        Pair[][] pairs = new Pair[c.numHiddenLayers()][WeightLayout.ALL_PROJECTIONS.size()];
        Random random = new Random(seed);
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            for (String proj : config.resolvedTargets()) {
                long[] shape = WeightLayout.projectionShape(c, proj); // (out, in)
                NDArray a = Ops.owned(manager.create(initialA(random, config, (int) shape[1]), new Shape(config.r(), shape[1])));
                NDArray b = manager.zeros(new Shape(shape[0], config.r()));
                a.setRequiresGradient(true);
                b.setRequiresGradient(true);
                pairs[l][WeightLayout.ALL_PROJECTIONS.indexOf(proj)] = new Pair(a, b, config.r(), config.scaling());
            }
        }
        return new LoraAdapter(model, config, manager, pairs, LoraPatterns.NONE);
    }

    /**
     * PEFT's default: kaiming_uniform_(a=sqrt(5)) has bound gain*sqrt(3/fan_in) with
     * gain = sqrt(2/(1+5)), i.e. 1/sqrt(in); "gaussian" is N(0, 1/r).
     */
    static float[] initialA(Random random, LoraConfig config, int in) {
        float[] v = new float[config.r() * in];
        double bound = 1.0 / Math.sqrt(in);
        for (int i = 0; i < v.length; i++) {
            v[i] = config.init() == LoraInit.KAIMING_UNIFORM
                    ? (float) ((2 * random.nextDouble() - 1) * bound)
                    : (float) (random.nextGaussian() / config.r());
        }
        return v;
    }

    /** Loads a PEFT LoRA adapter directory (made here or by Hugging Face PEFT) for this model. */
    public static LoraAdapter load(LlamaModel model, Path adapterDir) {
        return LoraLoader.load(model, adapterDir);
    }

    public LoraConfig config() {
        return config;
    }

    /** The model this adapter was made for. */
    public LlamaModel model() {
        return model;
    }

    /** The global scaling (alpha/r or alpha/sqrt(r)); per-module patterns may differ. */
    public double scaling() {
        return config.scaling();
    }

    Pair pair(int layer, String projection) {
        return pairs[layer][WeightLayout.ALL_PROJECTIONS.indexOf(projection)];
    }

    LoraPatterns patterns() {
        return patterns;
    }

    @Override
    public String peftType() {
        return "LORA";
    }

    @Override
    public Map<String, NDArray> trainableParameters() {
        return parameters;
    }

    @Override
    public LowRank lowRank(int layer, String module) {
        Pair p = pairs[layer][WeightLayout.ALL_PROJECTIONS.indexOf(module)];
        return p == null ? null : new LowRank(p.a(), p.b(), p.scaling());
    }

    @Override
    public boolean servesLowRank() {
        return true;
    }

    @Override
    public NDArray adaptLinear(int layer, String module, NDArray x, NDArray y, boolean training) {
        Pair p = pairs[layer][WeightLayout.ALL_PROJECTIONS.indexOf(module)];
        if (p == null) {
            return y;
        }
        NDArray in = training && config.dropout() > 0
                ? Dropout.dropout(x, (float) config.dropout(), true).singletonOrThrow() : x;
        NDArray down = Ops.linear(in, p.a(), null);                 // (..., r)
        NDArray up = Ops.linear(down, p.b(), null);                 // (..., out)
        return y.add(Ops.mul(up, (float) p.scaling()));
    }

    @Override
    public void save(Path adapterDir) {
        save(adapterDir, model.directory() == null ? null : model.directory().toString());
    }

    /** Saves adapter_config.json and adapter_model.safetensors as PEFT does. */
    public void save(Path adapterDir, String baseModelNameOrPath) {
        SafeTensorsWriter writer = new SafeTensorsWriter().metadata("format", "pt");
        parameters.forEach(writer::add);
        writer.write(adapterDir.resolve(PeftConfigFiles.WEIGHTS));
        PeftConfigFiles.write(adapterDir, LoraConfigJson.toPeft(config, patterns, baseModelNameOrPath));
    }

    /** Copies the values saved in {@code adapterDir} into these parameters (for resuming). */
    public void loadWeights(Path adapterDir) {
        PeftConfigFiles.read(adapterDir);
        try (SafeTensorsReader reader = SafeTensorsReader.open(adapterDir.resolve(PeftConfigFiles.WEIGHTS))) {
            for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
                if (!reader.contains(e.getKey())) {
                    throw new IllegalArgumentException(adapterDir + ": '" + e.getKey() + "' is missing");
                }
                copyInto(e.getValue(), reader.readFloats(e.getKey()), reader.info(e.getKey()).shape(), e.getKey());
            }
            for (String name : reader.names()) {
                if (!parameters.containsKey(name)) {
                    throw new IllegalArgumentException(adapterDir + ": '" + name + "' is not a parameter of this adapter");
                }
            }
        }
    }

    static void copyInto(NDArray target, float[] values, long[] shape, String name) {
        dev.loraforge.engine.model.GradMode.offOnThisThread();
        if (!new Shape(shape).equals(target.getShape())) {
            throw new IllegalArgumentException("'" + name + "' has shape " + new Shape(shape) + ", expected "
                    + target.getShape());
        }
        Ops.copyInto(target, values);
    }

    @Override
    public void close() {
        manager.close();
    }
}
