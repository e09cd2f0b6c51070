package dev.loraforge.engine.train;

import dev.loraforge.engine.data.DatasetValidator;
import dev.loraforge.engine.data.EncodedPreference;
import dev.loraforge.engine.data.PreferenceEncoder;
import dev.loraforge.engine.model.Adapter;
import dev.loraforge.engine.model.LlamaModel;
import dev.loraforge.engine.quant.QloraBase;
import dev.loraforge.engine.tokenizer.ModelTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One DPO job from files to files, {@link FineTuneJob}'s counterpart for preference data: read and validate the
 * preference JSONL, tokenize it ({@link PreferenceEncoder}), load the model (quantized for QLoRA), create the LoRA
 * adapter, run {@link DpoLoop}, save the PEFT adapter, {@code metrics.json} and {@code step_metrics.csv} into
 * {@code outDir}. With validation pairs, the final adapter's DPO metrics on them are reported with an {@code eval_}
 * prefix (TRL's names). Checkpoints ({@code config.checkpointEvery()}) go to {@code outDir/checkpoints}.
 *
 * @param resumeFrom a DPO {@code checkpoint-N} directory to continue from, or null
 */
public record DpoJob(Path modelDir, Path trainData, Path validationData, AdapterSpec adapter, int seqLen, TrainConfig config,
        DpoConfig dpo, double epochs, Path outDir, Path resumeFrom, Map<String, Object> chatTemplateKwargs,
        ai.djl.Device device) {

    /** The per-step CSV's header: TRL's metric names per update. */
    public static final String CSV_HEADER = "step,train_loss,rewards/chosen,rewards/rejected,rewards/accuracies,rewards/margins";

    public DpoJob {
        chatTemplateKwargs = chatTemplateKwargs == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(chatTemplateKwargs));
        device = device == null ? ai.djl.Device.cpu() : device;
        if (modelDir == null || !Files.isDirectory(modelDir)) {
            throw new IllegalArgumentException("model directory " + modelDir + " does not exist");
        }
        if (trainData == null || adapter == null || config == null || dpo == null || outDir == null) {
            throw new IllegalArgumentException("training data, adapter, config, dpo and outDir are required");
        }
        if (AdapterSpec.PREFIX.equals(adapter.method())) {
            throw new IllegalArgumentException("DPO trains a LoRA adapter: use method lora or qlora (prefix tuning is not"
                    + " supported with DPO)");
        }
        if (epochs < 0) {
            throw new IllegalArgumentException("epochs is " + epochs + "; it must be >= 0 (0 = use max_steps)");
        }
    }

    public record Outcome(DpoLoop.Result result, Map<String, Object> metrics, Path adapterDir) {
    }

    public Outcome run(ProgressListener listener, CancellationToken cancel, Consumer<String> log) {
        Consumer<String> say = log == null ? s -> { } : log;
        var trainSet = DatasetValidator.read(trainData);
        TrainingMethod.DPO.requireFormat(trainSet.format(), trainData.toString());
        var valSet = validationData == null ? null : DatasetValidator.read(validationData);
        if (valSet != null) {
            TrainingMethod.DPO.requireFormat(valSet.format(), validationData.toString());
        }
        try (ModelTokenizer tokenizer = ModelTokenizer.load(modelDir);
                LlamaModel model = QloraBase.load(modelDir, adapter.quantizedBase(), device)) {
            if (seqLen > model.config().maxPositionEmbeddings()) {
                throw new IllegalArgumentException("seq_len " + seqLen + " exceeds the model's max_position_embeddings "
                        + model.config().maxPositionEmbeddings() + "; use at most that");
            }
            PreferenceEncoder encoder = new PreferenceEncoder(tokenizer, seqLen, chatTemplateKwargs);
            PreferenceEncoder.Encoded train = encoder.encodeAll(trainSet.preferences());
            List<EncodedPreference> val = valSet == null ? List.of() : encoder.encodeAll(valSet.preferences()).pairs();
            if (train.pairs().isEmpty()) {
                throw new IllegalArgumentException("no preference pair keeps a response token within seq_len " + seqLen + "; raise it");
            }
            say.accept(String.format("data: %d preference pairs (%s), %d responses cut at seq_len %d, %d dropped (prompt fills it);"
                    + " validation: %d", train.pairs().size(), trainSet.format().name().toLowerCase(), train.truncated(), seqLen,
                    train.dropped(), val.size()));
            TrainConfig cfg = epochs > 0
                    ? config.toBuilder().maxSteps(TrainConfig.stepsForEpochs(epochs, train.pairs().size(), config.batchSize(),
                            config.gradAccumulation())).build()
                    : config;
            Files.createDirectories(outDir);
            try (Adapter a = adapter.create(model, cfg.seed());
                    DpoLoop loop = new DpoLoop(model, a, cfg, dpo, train.pairs(), tokenizer.padId())) {
                long trainable = a.trainableParameters().values().stream().mapToLong(p -> p.getShape().size()).sum();
                say.accept(String.format("training %s with DPO (beta %s): %,d trainable parameters, %d updates of %d x %d pairs",
                        adapter.method(), dpo.beta(), trainable, cfg.maxSteps(), cfg.batchSize(), cfg.gradAccumulation()));
                loop.listener(listener).checkpointDir(outDir.resolve("checkpoints"));
                if (cancel != null) {
                    loop.cancellation(cancel);
                }
                if (resumeFrom != null) {
                    say.accept("resuming from " + resumeFrom);
                }
                DpoLoop.Result result = resumeFrom == null ? loop.run() : loop.resume(resumeFrom);
                a.save(outDir);
                Map<String, Object> metrics = new LinkedHashMap<>(result.metrics());
                if (!val.isEmpty()) {
                    metrics.putAll(DpoMetrics.of(DpoLoop.evaluate(model, a, val, cfg.batchSize(), tokenizer.padId()), dpo.beta())
                            .toMap("eval_"));
                }
                metrics.put("training_method", TrainingMethod.DPO.id());
                metrics.put("beta", dpo.beta());
                metrics.put("method", adapter.method());
                metrics.put("device", dev.loraforge.engine.model.DeviceSpec.name(model.device()));
                metrics.put("examples", train.pairs().size());
                metrics.put("trainable_parameters", trainable);
                metrics.put("base_quantization", QloraBase.schemeOf(model).orElse(null));
                metrics.put("adapter", outDir.toString());
                TrainResult.writeMetrics(outDir.resolve("metrics.json"), metrics);
                writeCsv(result, outDir.resolve(StepMetricsCsv.FILE_NAME));
                return new Outcome(result, metrics, outDir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeCsv(DpoLoop.Result result, Path file) throws IOException {
        StringBuilder csv = new StringBuilder(CSV_HEADER).append('\n');
        for (int i = 0; i < result.history().size(); i++) {
            DpoMetrics m = result.history().get(i);
            csv.append(i + 1).append(',').append(m.loss()).append(',').append(m.rewardsChosen()).append(',')
                    .append(m.rewardsRejected()).append(',').append(m.rewardsAccuracies()).append(',').append(m.rewardsMargins())
                    .append('\n');
        }
        Files.writeString(file, csv);
    }
}
