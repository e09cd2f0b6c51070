package dev.loraforge.engine.train;

import dev.loraforge.engine.data.DatasetValidator;
import dev.loraforge.engine.data.EncodedExample;
import dev.loraforge.engine.data.ExampleEncoder;
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
 * One fine-tuning job from files to files, what {@code tune train} and the trainer service run:
 * read and validate the JSONL data, tokenize with the model's tokenizer and chat template, load the
 * model, create the adapter, train (or resume from a checkpoint), save the PEFT adapter into
 * {@code outDir} and return the metrics. Checkpoints go to {@code outDir/checkpoints}.
 *
 * @param modelDir        Hugging Face model directory (with tokenizer.json)
 * @param trainData       training JSONL
 * @param validationData  validation JSONL, or null
 * @param adapter         adapter to train
 * @param seqLen          truncation length (at most max_position_embeddings)
 * @param config          optimisation settings; {@code maxSteps} is ignored when {@code epochs > 0}
 * @param epochs          passes over the data (fractional allowed), or 0 to use {@code config.maxSteps()}
 * @param outDir          where the adapter, {@code metrics.json}, {@code step_metrics.csv} and {@code checkpoints/} go
 * @param resumeFrom      a {@code checkpoint-N} directory to continue from, or null
 * @param chatTemplateKwargs extra chat-template variables ({@code enable_thinking}...), empty for none
 */
public record FineTuneJob(Path modelDir, Path trainData, Path validationData, AdapterSpec adapter, int seqLen,
        TrainConfig config, double epochs, Path outDir, Path resumeFrom, Map<String, Object> chatTemplateKwargs,
        ai.djl.Device device) {

    /** A job rendering chats with the template's defaults, on the CPU. */
    public FineTuneJob(Path modelDir, Path trainData, Path validationData, AdapterSpec adapter, int seqLen,
            TrainConfig config, double epochs, Path outDir, Path resumeFrom) {
        this(modelDir, trainData, validationData, adapter, seqLen, config, epochs, outDir, resumeFrom, Map.of());
    }

    /** A job on the CPU. */
    public FineTuneJob(Path modelDir, Path trainData, Path validationData, AdapterSpec adapter, int seqLen,
            TrainConfig config, double epochs, Path outDir, Path resumeFrom, Map<String, Object> chatTemplateKwargs) {
        this(modelDir, trainData, validationData, adapter, seqLen, config, epochs, outDir, resumeFrom, chatTemplateKwargs,
                ai.djl.Device.cpu());
    }

    public FineTuneJob {
        chatTemplateKwargs = chatTemplateKwargs == null ? Map.of()
                : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(chatTemplateKwargs));
        device = device == null ? ai.djl.Device.cpu() : device;
        if (modelDir == null || !Files.isDirectory(modelDir)) {
            throw new IllegalArgumentException("model directory " + modelDir + " does not exist");
        }
        if (trainData == null) {
            throw new IllegalArgumentException("training data file is required");
        }
        if (adapter == null || config == null || outDir == null) {
            throw new IllegalArgumentException("adapter, config and outDir are required");
        }
        if (epochs < 0) {
            throw new IllegalArgumentException("epochs is " + epochs + "; it must be >= 0 (0 = use max_steps)");
        }
    }

    /** What a finished (or cancelled) job produced. */
    public record Outcome(TrainResult result, Map<String, Object> metrics, Path adapterDir) {
    }

    /**
     * Runs the job.
     *
     * @param listener progress callbacks (may be null)
     * @param cancel   checked before each update (may be null)
     * @param log      one-line human messages about the data and the adapter (may be null)
     */
    public Outcome run(ProgressListener listener, CancellationToken cancel, Consumer<String> log) {
        Consumer<String> say = log == null ? s -> { } : log;
        var trainSet = DatasetValidator.read(trainData);
        var valSet = validationData == null ? null : DatasetValidator.read(validationData);
        TrainingMethod.SUPERVISED.requireFormat(trainSet.format(), trainData.toString());
        if (valSet != null) {
            TrainingMethod.SUPERVISED.requireFormat(valSet.format(), validationData.toString());
        }
        try (ModelTokenizer tokenizer = ModelTokenizer.load(modelDir); LlamaModel model = QloraBase.load(modelDir, adapter.quantizedBase(), device)) {
            if (seqLen > model.config().maxPositionEmbeddings()) {
                throw new IllegalArgumentException("seq_len " + seqLen + " exceeds the model's max_position_embeddings "
                        + model.config().maxPositionEmbeddings() + "; use at most that");
            }
            ExampleEncoder encoder = new ExampleEncoder(tokenizer, seqLen, chatTemplateKwargs);
            ExampleEncoder.Encoded train = encoder.encodeAll(trainSet.examples());
            List<EncodedExample> val = valSet == null ? List.of() : encoder.encodeAll(valSet.examples()).examples();
            if (train.examples().isEmpty()) {
                throw new IllegalArgumentException("no training example keeps a trained token within seq_len " + seqLen + "; raise it");
            }
            say.accept(String.format("data: %d examples (%s), %d reach seq_len %d, %d dropped (nothing to learn after truncation); validation: %d",
                    train.examples().size(), trainSet.format().name().toLowerCase(), train.truncated(), seqLen, train.dropped(), val.size()));
            TrainConfig cfg = epochs > 0
                    ? config.toBuilder().maxSteps(TrainConfig.stepsForEpochs(epochs, train.examples().size(),
                            config.batchSize(), config.gradAccumulation())).build()
                    : config;
            Files.createDirectories(outDir);
            try (Adapter a = adapter.create(model, cfg.seed());
                    FineTuneLoop loop = new FineTuneLoop(model, a, cfg, train.examples(), val, tokenizer.padId())) {
                long trainable = a.trainableParameters().values().stream().mapToLong(p -> p.getShape().size()).sum();
                long total = model.config().parameterCount();
                say.accept(String.format("training %s: %,d trainable parameters (%.3f%% of %,d), %d updates of %d x %d examples",
                        adapter.method(), trainable, 100.0 * trainable / total, total, cfg.maxSteps(), cfg.batchSize(), cfg.gradAccumulation()));
                loop.listener(listener).checkpointDir(outDir.resolve("checkpoints"));
                if (cancel != null) {
                    loop.cancellation(cancel);
                }
                TrainResult result = resumeFrom == null ? loop.run() : loop.resume(resumeFrom);
                a.save(outDir);
                Map<String, Object> metrics = new LinkedHashMap<>(result.metrics());
                metrics.put("method", adapter.method());
                metrics.put("device", dev.loraforge.engine.model.DeviceSpec.name(model.device()));
                metrics.put("examples", train.examples().size());
                metrics.put("trainable_parameters", trainable);
                metrics.put("base_quantization", QloraBase.schemeOf(model).orElse(null));
                metrics.put("base_dtype", model.config().torchDtype());
                metrics.put("gradient_checkpointing", model.layerwiseRecompute() || config.gradientCheckpointing());
                metrics.put("packing", config.packing());
                metrics.put("adapter", outDir.toString());
                TrainResult.writeMetrics(outDir.resolve("metrics.json"), metrics);
                StepMetricsCsv.write(result, outDir.resolve(StepMetricsCsv.FILE_NAME));
                return new Outcome(result, metrics, outDir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
