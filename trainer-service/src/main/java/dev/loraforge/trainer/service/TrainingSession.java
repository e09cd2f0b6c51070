package dev.loraforge.trainer.service;

import dev.loraforge.engine.data.DatasetException;
import dev.loraforge.engine.data.DatasetValidator;
import dev.loraforge.engine.data.EncodedExample;
import dev.loraforge.engine.data.EncodedPreference;
import dev.loraforge.engine.data.ExampleEncoder;
import dev.loraforge.engine.data.PreferenceEncoder;
import dev.loraforge.engine.train.DpoConfig;
import dev.loraforge.engine.train.DpoLoop;
import dev.loraforge.engine.train.DpoMetrics;
import dev.loraforge.engine.train.TrainingMethod;
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
 * {@link FineTuneLoop} ready to run or resume, or for a DPO job (the hyperparameters carry {@code beta}) the
 * preference pairs encoded with the chat template and a {@link DpoLoop} (the reference is the same model with the
 * adapter off; its checkpoints carry the cached reference log-probabilities and every update's DPO metrics, so a
 * resumed attempt follows the uninterrupted run). Close it to free the native memory.
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
    /** A DPO job's pairs, validation pairs and loop; null for supervised fine-tuning. */
    private List<EncodedPreference> pairs;
    private List<EncodedPreference> pairValidation;
    private DpoLoop dpoLoop;

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
        if (plan.hyperparameters().dpo()) {
            return openDpo(plan, in, device, trainSet, valSet, tokenizer);
        }
        for (var set : new DatasetValidator.Result[] {trainSet, valSet}) {
            if (set != null && TrainingMethod.forFormat(set.format()) == TrainingMethod.DPO) {
                throw new JobFailure(set == trainSet ? JobFailure.INVALID_TRAINING_FILE : JobFailure.INVALID_VALIDATION_FILE,
                        (set == trainSet ? in.trainName() : in.validationName()) + " holds preference pairs: a"
                                + " supervised job trains on chat, prompt/completion or text lines");
            }
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

    /** The DPO half of {@link #open}: preference pairs, a LoRA adapter, a {@link DpoLoop}. */
    private static TrainingSession openDpo(TrainingPlan plan, Inputs in, ai.djl.Device device, DatasetValidator.Result trainSet,
                                           DatasetValidator.Result valSet, ModelTokenizer tokenizer) {
        TrainingSession session = null;
        try {
            requirePairs(trainSet, in.trainName(), JobFailure.INVALID_TRAINING_FILE);
            if (valSet != null) {
                requirePairs(valSet, in.validationName(), JobFailure.INVALID_VALIDATION_FILE);
            }
            if (plan.lora() == null) {
                throw new JobFailure(JobFailure.INVALID_METHOD, "DPO trains a LoRA or QLoRA adapter, not " + plan.method());
            }
            PreferenceEncoder encoder = new PreferenceEncoder(tokenizer, plan.seqLen(), plan.chatTemplateKwargs());
            PreferenceEncoder.Encoded encoded = encoder.encodeAll(trainSet.preferences());
            if (encoded.pairs().isEmpty()) {
                throw new JobFailure(JobFailure.INVALID_TRAINING_FILE, in.trainName() + " has no preference pair whose"
                        + " responses keep a token within seq_len " + plan.seqLen() + " (the prompts fill it)");
            }
            TrainConfig config = plan.trainConfig(encoded.pairs().size());
            session = new TrainingSession(plan, List.of(), config, tokenizer.padId());
            session.tokenizer = tokenizer;
            session.pairs = encoded.pairs();
            session.pairValidation = valSet == null ? List.of() : encoder.encodeAll(valSet.preferences()).pairs();
            session.model = loadModel(plan, in, device);
            try {
                session.adapter = LoraAdapter.create(session.model, plan.lora(), plan.seed());
            } catch (IllegalArgumentException e) {
                throw new JobFailure(JobFailure.INVALID_METHOD, "method " + plan.method() + ": " + e.getMessage(), e);
            }
            if (in.initAdapter() != null) {
                startFrom(session.adapter, in.initAdapter()); // the usual recipe: DPO on a supervised fine-tuned model
            }
            session.dpoLoop = new DpoLoop(session.model, session.adapter, config,
                    new DpoConfig(plan.hyperparameters().beta()), encoded.pairs(), tokenizer.padId());
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

    private static void requirePairs(DatasetValidator.Result set, String name, String code) {
        if (TrainingMethod.forFormat(set.format()) != TrainingMethod.DPO) {
            throw new JobFailure(code, name + " is a " + set.format().name().toLowerCase(java.util.Locale.ROOT)
                    + " dataset: a DPO job trains on preference pairs ({\"input\", \"preferred_output\","
                    + " \"non_preferred_output\"} or {\"prompt\", \"chosen\", \"rejected\"} lines)");
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
        if (dpoLoop != null) {
            return trainDpo(listener, token, checkpointRoot, resumeFrom);
        }
        loop.listener(listener).cancellation(token).checkpointDir(checkpointRoot);
        try {
            return resumeFrom == null ? loop.run() : loop.resume(resumeFrom);
        } catch (dev.loraforge.engine.train.TrainingDivergedException e) {
            throw new JobFailure(JobFailure.TRAINING_DIVERGED, e.getMessage(), e); // the tenant's to fix, not ours
        }
    }

    /**
     * A DPO run as the trainer reports any run: per update the loss and {@code rewards/accuracies} (in the accuracy's
     * place), then, with validation pairs, one validation point whose loss is the DPO loss over them and whose
     * accuracy is their {@code rewards/accuracies}.
     */
    private TrainResult trainDpo(ProgressListener listener, CancellationToken token, Path checkpointRoot, Path resumeFrom) {
        dpoLoop.listener(listener).cancellation(token).checkpointDir(checkpointRoot);
        DpoLoop.Result r;
        try {
            r = resumeFrom == null ? dpoLoop.run() : dpoLoop.resume(resumeFrom);
        } catch (dev.loraforge.engine.train.TrainingDivergedException e) {
            throw new JobFailure(JobFailure.TRAINING_DIVERGED, e.getMessage(), e);
        }
        List<Double> losses = r.history().stream().map(DpoMetrics::loss).toList();
        List<Double> accuracies = r.history().stream().map(DpoMetrics::rewardsAccuracies).toList();
        List<dev.loraforge.engine.train.TrainState.ValidationPoint> validations = new java.util.ArrayList<>();
        if (!pairValidation.isEmpty() && TrainResult.COMPLETED.equals(r.status())) {
            DpoMetrics v = DpoMetrics.of(DpoLoop.evaluate(model, adapter, pairValidation, config.batchSize(), padId),
                    plan.hyperparameters().beta());
            listener.onValidation(r.steps(), v.loss(), Math.exp(v.loss()), v.rewardsAccuracies());
            validations.add(new dev.loraforge.engine.train.TrainState.ValidationPoint(r.steps(), v.loss(),
                    v.rewardsAccuracies()));
        }
        return new TrainResult(r.status(), r.steps(), r.totalSteps(), losses, accuracies, validations,
                r.tokensPerSecond(), r.trainTokens(), r.seconds(), r.lastCheckpoint());
    }

    /** Counts the tokens each update trains on, in the engine's order (examples, or a DPO run's pairs). */
    TokenCounter tokenCounter() {
        return pairs != null ? TokenCounter.forPairs(pairs, config) : new TokenCounter(train, config, padId);
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
        if (dpoLoop != null) {
            dpoLoop.close();
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
