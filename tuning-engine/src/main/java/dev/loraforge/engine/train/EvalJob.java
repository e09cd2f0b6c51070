package dev.loraforge.engine.train;

import ai.djl.Device;
import dev.loraforge.engine.data.ChatTemplate;
import dev.loraforge.engine.data.DatasetValidator;
import dev.loraforge.engine.data.EncodedExample;
import dev.loraforge.engine.data.EncodedPreference;
import dev.loraforge.engine.data.Example;
import dev.loraforge.engine.data.ExampleEncoder;
import dev.loraforge.engine.data.PreferenceEncoder;
import dev.loraforge.engine.lora.PeftAdapters;
import dev.loraforge.engine.model.Adapter;
import dev.loraforge.engine.model.DeviceSpec;
import dev.loraforge.engine.model.LlamaConfig;
import dev.loraforge.engine.model.LlamaModel;
import dev.loraforge.engine.quant.QloraBase;
import dev.loraforge.engine.tokenizer.ModelTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Scores a dataset with a model and, optionally, an adapter, as training would count it, without training: what
 * {@code tune eval} runs. The method is the dataset's ({@link TrainingMethod#forFormat}) unless given, and a given one
 * must fit the file ({@link TrainingMethod#requireFormat}).
 * <ul>
 *   <li>DPO (a preference file): each pair's summed response log-probabilities under the policy (base + adapter) and
 *       the reference (the same base with the adapter off), from {@link DpoLoop#evaluate}, the code validation uses
 *       while training; the pair's sigmoid loss and rewards follow ({@link DpoMetrics}). Without an adapter the policy
 *       is the reference and every loss is ln 2.</li>
 *   <li>supervised: each example's token cross-entropy and accuracy over its trained tokens ({@link TokenMetrics},
 *       the code of the validation loss).</li>
 * </ul>
 * Examples are encoded as training encodes them ({@link ExampleEncoder}, {@link PreferenceEncoder}, truncated at
 * {@code seqLen}); one that keeps nothing to score after truncation is skipped and reported. The base loads as
 * training loads it (16-bit weights stay 16-bit; with {@code quantizeBase} a full-precision base is held in NF4 as
 * {@code --method qlora} does). No gradients, dropout off.
 *
 * @param adapterDir PEFT adapter directory, or null to score the base alone
 * @param method     supervised or DPO, or null for the dataset's own
 * @param dpo        DPO settings (beta), or null for the defaults; only with DPO
 */
public record EvalJob(Path modelDir, Path adapterDir, Path data, TrainingMethod method, DpoConfig dpo, int seqLen,
        int batchSize, boolean quantizeBase, Map<String, Object> chatTemplateKwargs, Device device) {

    public EvalJob {
        chatTemplateKwargs = chatTemplateKwargs == null ? Map.of()
                : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(chatTemplateKwargs));
        device = device == null ? Device.cpu() : device;
        if (modelDir == null || !Files.isDirectory(modelDir)) {
            throw new IllegalArgumentException("model directory " + modelDir + " does not exist; give a Hugging Face model"
                    + " directory (config.json, model.safetensors, tokenizer.json)");
        }
        if (adapterDir != null && !Files.isDirectory(adapterDir)) {
            throw new IllegalArgumentException("adapter directory " + adapterDir + " does not exist; give the --out directory"
                    + " of tune train (adapter_config.json, adapter_model.safetensors) or leave --adapter out to score the base");
        }
        if (data == null) {
            throw new IllegalArgumentException("a data file is required");
        }
        if (seqLen < 2) {
            throw new IllegalArgumentException("seq_len is " + seqLen + "; it must be at least 2");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch is " + batchSize + "; it must be at least 1");
        }
    }

    /** One scored preference pair: its 0-based place among the file's examples, its line, response lengths, scores. */
    public record PairScore(int index, long line, int chosenTokens, int rejectedTokens, DpoMetrics.PairLogps logps) {
    }

    /** One scored supervised example: its 0-based place among the file's examples, its line, its metrics. */
    public record ExampleScore(int index, long line, TokenMetrics metrics) {
    }

    /** What an evaluation found; {@code skippedLines} are the examples with nothing to score within seq_len. */
    public sealed interface Outcome permits Dpo, Supervised {
        int truncated();

        List<Long> skippedLines();

        /** The device it ran on ({@code cpu}, {@code cuda:0}). */
        String device();
    }

    /** A DPO evaluation: per pair and over all pairs ({@link DpoMetrics}, TRL's metrics). */
    public record Dpo(double beta, List<PairScore> pairs, DpoMetrics summary, int truncated, List<Long> skippedLines,
            String device) implements Outcome {
    }

    /** A supervised evaluation: per example and token-weighted over all of them. */
    public record Supervised(List<ExampleScore> examples, TokenMetrics summary, int truncated, List<Long> skippedLines,
            String device) implements Outcome {
    }

    /**
     * Runs the evaluation.
     *
     * @param log one-line human messages about the data and the model (may be null)
     */
    public Outcome run(Consumer<String> log) {
        Consumer<String> say = log == null ? s -> { } : log;
        DatasetValidator.Result dataset = DatasetValidator.read(data);
        TrainingMethod resolved = method == null ? TrainingMethod.forFormat(dataset.format()) : method;
        resolved.requireFormat(dataset.format(), data.toString());
        if (dpo != null && resolved != TrainingMethod.DPO) {
            throw new IllegalArgumentException("beta is for DPO evaluation; " + data + " is scored with the supervised method");
        }
        LlamaConfig config = LlamaConfig.load(modelDir);
        if (seqLen > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("seq_len " + seqLen + " exceeds the model's max_position_embeddings "
                    + config.maxPositionEmbeddings() + "; use at most that");
        }
        try (ModelTokenizer tokenizer = ModelTokenizer.load(modelDir)) {
            return resolved == TrainingMethod.DPO ? dpo(dataset, tokenizer, say) : supervised(dataset, tokenizer, say);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the tokenizer of " + modelDir + ": " + e.getMessage(), e);
        }
    }

    private Dpo dpo(DatasetValidator.Result dataset, ModelTokenizer tokenizer, Consumer<String> say) {
        double beta = (dpo == null ? DpoConfig.defaults() : dpo).beta();
        PreferenceEncoder encoder = new PreferenceEncoder(tokenizer, seqLen, chatTemplateKwargs);
        List<Example.Preference> examples = dataset.preferences();
        List<EncodedPreference> pairs = new ArrayList<>();
        List<Integer> kept = new ArrayList<>();
        List<Long> skipped = new ArrayList<>();
        int truncated = 0;
        for (int i = 0; i < examples.size(); i++) {
            Example.Preference example = examples.get(i);
            PreferenceEncoder.Encoding full = encodeAt(dataset, i, () -> encoder.encodeFull(example));
            EncodedPreference pair = encoder.truncate(full);
            if (pair == null) {
                skipped.add(dataset.lines().get(i));
                continue;
            }
            truncated += pair.chosenIds().length < full.chosenIds().length
                    || pair.rejectedIds().length < full.rejectedIds().length ? 1 : 0;
            pairs.add(pair);
            kept.add(i);
        }
        requireSome(pairs.size(), "preference pair keeps a response token", skipped);
        say.accept(String.format("data: %d preference pairs (%s), %d responses cut at seq_len %d, %d skipped (the prompt"
                + " fills it)", pairs.size(), dataset.format().name().toLowerCase(), truncated, seqLen, skipped.size()));
        try (LlamaModel model = QloraBase.load(modelDir, quantizeBase, device);
                Adapter adapter = adapterDir == null ? null : PeftAdapters.load(model, adapterDir)) {
            if (adapter != null && (!"LORA".equals(adapter.peftType()) || adapter.prefixLength() > 0)) {
                throw new IllegalArgumentException(adapterDir + " is a " + adapter.peftType() + " adapter; DPO evaluation takes"
                        + " a LoRA adapter (the reference is the base with the adapter switched off), as DPO trains one");
            }
            say.accept("scoring " + pairs.size() + " pairs with beta " + beta + " on " + DeviceSpec.name(model.device())
                    + (adapter == null ? " (no adapter: the policy is the reference)" : ""));
            List<DpoMetrics.PairLogps> logps = DpoLoop.evaluate(model, adapter, pairs, batchSize, tokenizer.padId());
            List<PairScore> scores = new ArrayList<>(pairs.size());
            for (int k = 0; k < pairs.size(); k++) {
                int i = kept.get(k);
                scores.add(new PairScore(i, dataset.lines().get(i), pairs.get(k).chosenIds().length,
                        pairs.get(k).rejectedIds().length, logps.get(k)));
            }
            return new Dpo(beta, scores, DpoMetrics.of(logps, beta), truncated, skipped, DeviceSpec.name(model.device()));
        }
    }

    private Supervised supervised(DatasetValidator.Result dataset, ModelTokenizer tokenizer, Consumer<String> say) {
        ExampleEncoder encoder = new ExampleEncoder(tokenizer, seqLen, chatTemplateKwargs);
        List<EncodedExample> encoded = new ArrayList<>();
        List<Integer> kept = new ArrayList<>();
        List<Long> skipped = new ArrayList<>();
        int truncated = 0;
        for (int i = 0; i < dataset.examples().size(); i++) {
            Example example = dataset.examples().get(i);
            ExampleEncoder.Encoding e = encodeAt(dataset, i, () -> encoder.encodeDetailed(example));
            truncated += e.truncated() ? 1 : 0;
            if (e.example().targetTokens() == 0) {
                skipped.add(dataset.lines().get(i));
                continue;
            }
            encoded.add(e.example());
            kept.add(i);
        }
        requireSome(encoded.size(), "example keeps a trained token", skipped);
        say.accept(String.format("data: %d examples (%s), %d reach seq_len %d, %d skipped (nothing to score after"
                + " truncation)", encoded.size(), dataset.format().name().toLowerCase(), truncated, seqLen, skipped.size()));
        try (LlamaModel model = QloraBase.load(modelDir, quantizeBase, device);
                Adapter adapter = adapterDir == null ? null : PeftAdapters.load(model, adapterDir)) {
            say.accept("scoring " + encoded.size() + " examples on " + DeviceSpec.name(model.device())
                    + (adapter == null ? " (base model, no adapter)" : " with the " + adapter.peftType() + " adapter"));
            List<TokenMetrics> metrics = TokenMetrics.perExample(model, adapter, encoded, batchSize, tokenizer.padId());
            List<ExampleScore> scores = new ArrayList<>(encoded.size());
            for (int k = 0; k < encoded.size(); k++) {
                int i = kept.get(k);
                scores.add(new ExampleScore(i, dataset.lines().get(i), metrics.get(k)));
            }
            return new Supervised(scores, TokenMetrics.sum(metrics), truncated, skipped, DeviceSpec.name(model.device()));
        }
    }

    /** Encodes example {@code i}; a template refusing it becomes an IllegalArgumentException naming file and line. */
    private <T> T encodeAt(DatasetValidator.Result dataset, int i, java.util.function.Supplier<T> encode) {
        try {
            return encode.get();
        } catch (ChatTemplate.TemplateException e) {
            throw new IllegalArgumentException(data + ": line " + dataset.lines().get(i) + ": " + e.getMessage(), e);
        }
    }

    private void requireSome(int kept, String what, List<Long> skipped) {
        if (kept == 0) {
            throw new IllegalArgumentException("no " + what + " within seq_len " + seqLen + " (" + skipped.size()
                    + " skipped, lines " + (skipped.size() > 10 ? skipped.subList(0, 10) + "..." : skipped) + "); raise --seq-len");
        }
    }
}
