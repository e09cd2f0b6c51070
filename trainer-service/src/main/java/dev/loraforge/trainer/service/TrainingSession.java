package dev.loraforge.trainer.service;

import dev.loraforge.engine.data.DatasetException;
import dev.loraforge.engine.data.DatasetValidator;
import dev.loraforge.engine.data.EncodedExample;
import dev.loraforge.engine.data.ExampleEncoder;
import dev.loraforge.engine.data.ValidationError;
import dev.loraforge.engine.lora.LoraAdapter;
import dev.loraforge.engine.lora.PrefixAdapter;
import dev.loraforge.engine.model.Adapter;
import dev.loraforge.engine.model.LlamaConfig;
import dev.loraforge.engine.model.LlamaModel;
import dev.loraforge.engine.quant.BnbQuantizationConfig;
import dev.loraforge.engine.quant.ModelQuantizer;
import dev.loraforge.engine.tokenizer.ModelTokenizer;
import dev.loraforge.engine.train.CancellationToken;
import dev.loraforge.engine.train.FineTuneLoop;
import dev.loraforge.engine.train.ProgressListener;
import dev.loraforge.engine.train.TrainConfig;
import dev.loraforge.engine.train.TrainResult;
import dev.loraforge.trainer.mapping.TrainingPlan;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One attempt's training on the tuning engine: the datasets read and checked with the engine's
 * validator, tokenized with the model's tokenizer and chat template, the model loaded (for QLoRA
 * quantized in memory unless the directory already is), the adapter created and a
 * {@link FineTuneLoop} ready to run or resume. Close it to free the native memory.
 */
final class TrainingSession implements AutoCloseable {

    /**
     * The files a session is made from. {@code validation} may be null; {@code initAdapter}, the PEFT directory of the
     * fine-tuned model the job continues (training starts from its values), too.
     */
    record Inputs(Path modelDir, String modelCode, Path train, String trainName, Path validation, String validationName,
                  Path initAdapter) {
        Inputs(Path modelDir, String modelCode, Path train, String trainName, Path validation, String validationName) {
            this(modelDir, modelCode, train, trainName, validation, validationName, null);
        }
    }

    private final TrainingPlan plan;
    private final List<EncodedExample> train;
    private final TrainConfig config;
    private final int padId;
    private ModelTokenizer tokenizer;
    private LlamaModel model;
    private Adapter adapter;
    private FineTuneLoop loop;

    private TrainingSession(TrainingPlan plan, List<EncodedExample> train, TrainConfig config, int padId) {
        this.plan = plan;
        this.train = train;
        this.config = config;
        this.padId = padId;
    }

    /** Reads, checks and tokenizes the data, loads the model and creates the adapter. */
    static TrainingSession open(TrainingPlan plan, Inputs in) {
        return open(plan, in, ai.djl.Device.cpu());
    }

    /** As {@link #open(TrainingPlan, Inputs)}, the model on {@code device}. */
    static TrainingSession open(TrainingPlan plan, Inputs in, ai.djl.Device device) {
        var trainSet = read(in.train(), in.trainName(), JobFailure.INVALID_TRAINING_FILE);
        var valSet = in.validation() == null ? null : read(in.validation(), in.validationName(), JobFailure.INVALID_VALIDATION_FILE);
        LlamaConfig modelConfig;
        try {
            modelConfig = LlamaConfig.load(in.modelDir());
        } catch (RuntimeException e) {
            throw new JobFailure(in.modelCode(), "the model's config.json is not usable: " + e.getMessage(), e);
        }
        if (plan.seqLen() > modelConfig.maxPositionEmbeddings()) {
            throw new JobFailure(JobFailure.INVALID_HYPERPARAMETERS, "seq_len " + plan.seqLen()
                    + " exceeds the model's max_position_embeddings " + modelConfig.maxPositionEmbeddings());
        }
        ModelTokenizer tokenizer;
        try {
            tokenizer = ModelTokenizer.load(in.modelDir());
        } catch (IOException | RuntimeException e) {
            throw new JobFailure(in.modelCode(), "the model's tokenizer is not usable: " + e.getMessage(), e);
        }
        TrainingSession session = null;
        try {
            ExampleEncoder encoder = new ExampleEncoder(tokenizer, plan.seqLen(), plan.chatTemplateKwargs());
            ExampleEncoder.Encoded encoded = encoder.encodeAll(trainSet.examples());
            if (encoded.examples().isEmpty()) {
                throw new JobFailure(JobFailure.INVALID_TRAINING_FILE, in.trainName() + " has no example with a trained"
                        + " (assistant / completion) token within seq_len " + plan.seqLen());
            }
            List<EncodedExample> validation = valSet == null ? List.of() : encoder.encodeAll(valSet.examples()).examples();
            TrainConfig config = plan.trainConfig(encoded.examples().size());
            session = new TrainingSession(plan, encoded.examples(), config, tokenizer.padId());
            session.tokenizer = tokenizer;
            session.model = loadModel(plan, in, device);
            try {
                session.adapter = plan.lora() != null
                        ? LoraAdapter.create(session.model, plan.lora(), plan.seed())
                        : PrefixAdapter.create(session.model, plan.virtualTokens(), plan.seed());
            } catch (IllegalArgumentException e) {
                throw new JobFailure(JobFailure.INVALID_METHOD, "method " + plan.method() + ": " + e.getMessage(), e);
            }
            if (in.initAdapter() != null) {
                startFrom(session.adapter, in.initAdapter());
            }
            session.loop = new FineTuneLoop(session.model, session.adapter, config, encoded.examples(), validation, tokenizer.padId());
            return session;
        } catch (RuntimeException e) {
            if (session != null) {
                session.close();
            } else {
                tokenizer.close();
            }
            throw e;
        }
    }

    /** Copies the values of the continued model's adapter into the new one (same method and shape). */
    private static void startFrom(Adapter adapter, Path dir) {
        try {
            if (adapter instanceof LoraAdapter lora) {
                lora.loadWeights(dir);
            } else if (adapter instanceof PrefixAdapter prefix) {
                prefix.loadWeights(dir);
            } else {
                throw new IllegalArgumentException("a " + adapter.peftType() + " adapter cannot start from saved values");
            }
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            throw new JobFailure(JobFailure.INIT_ADAPTER_UNAVAILABLE, "the adapter of the fine-tuned model this job"
                    + " continues does not fit it: " + e.getMessage(), e);
        }
    }

    private static DatasetValidator.Result read(Path file, String name, String code) {
        try {
            DatasetValidator.Result result = DatasetValidator.read(file);
            if (result.examples().isEmpty()) {
                throw new JobFailure(code, name + " has no examples");
            }
            return result;
        } catch (DatasetException e) {
            throw new JobFailure(code, describe(name, e.errors()), e);
        }
    }

    /** "file-x has 2 malformed lines: line 2: ...; line 5: ..." (at most 10 listed). */
    static String describe(String name, List<ValidationError> errors) {
        String listed = errors.stream().limit(10).map(ValidationError::toString).collect(Collectors.joining("; "));
        return name + " is not a valid dataset (" + errors.size() + (errors.size() == 1 ? " error" : " errors")
                + (errors.size() >= DatasetValidator.DEFAULT_MAX_ERRORS ? " or more" : "") + "): " + listed
                + (errors.size() > 10 ? "; ..." : "");
    }

    private static LlamaModel loadModel(TrainingPlan plan, Inputs in, ai.djl.Device device) {
        try {
            if (plan.quantized() && BnbQuantizationConfig.read(in.modelDir()).isEmpty()) {
                return ModelQuantizer.loadQuantized(in.modelDir(), plan.scheme(), device); // QLoRA: quantized in memory
            }
            return LlamaModel.load(in.modelDir(), device, true); // training: a 16-bit checkpoint stays 16-bit in memory
        } catch (RuntimeException e) {
            throw new JobFailure(in.modelCode(), "the model could not be loaded: " + e.getMessage(), e);
        }
    }

    /** Trains from step 0, or from {@code resumeFrom} (a checkpoint directory) when not null. */
    TrainResult train(ProgressListener listener, CancellationToken token, Path checkpointRoot, Path resumeFrom) {
        loop.listener(listener).cancellation(token).checkpointDir(checkpointRoot);
        try {
            return resumeFrom == null ? loop.run() : loop.resume(resumeFrom);
        } catch (dev.loraforge.engine.train.TrainingDivergedException e) {
            throw new JobFailure(JobFailure.TRAINING_DIVERGED, e.getMessage(), e); // the tenant's to fix, not ours
        }
    }

    /** Saves the PEFT adapter directory, naming the base model as the tenant knows it. */
    void saveAdapter(Path dir, String baseModelName) {
        if (adapter instanceof LoraAdapter lora) {
            lora.save(dir, baseModelName);
        } else if (adapter instanceof PrefixAdapter prefix) {
            prefix.save(dir, baseModelName);
        } else {
            adapter.save(dir);
        }
    }

    long trainableParameters() {
        return adapter.trainableParameters().values().stream().mapToLong(p -> p.getShape().size()).sum();
    }

    List<EncodedExample> examples() {
        return train;
    }

    TrainConfig config() {
        return config;
    }

    int padId() {
        return padId;
    }

    TrainingPlan plan() {
        return plan;
    }

    LlamaModel model() {
        return model;
    }

    @Override
    public void close() {
        if (loop != null) {
            loop.close();
        }
        if (adapter != null) {
            adapter.close();
        }
        if (model != null) {
            model.close();
        }
        if (tokenizer != null) {
            tokenizer.close();
        }
    }
}
