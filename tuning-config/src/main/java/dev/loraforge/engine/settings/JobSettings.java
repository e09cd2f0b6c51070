package dev.loraforge.engine.settings;

import dev.loraforge.engine.lora.LoraConfig;
import dev.loraforge.engine.model.Family;
import dev.loraforge.engine.quant.QuantScheme;
import dev.loraforge.engine.train.LrSchedule;
import dev.loraforge.engine.train.TrainConfig;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The one owner of a platform job's settings: every default and every rule, applied once, by job-api when a
 * job is created. What it returns is complete (nothing left to default) and already accepted by the engine's
 * own checks ({@link LoraConfig}, {@link TrainConfig}), so a bad value is refused before the job exists and a
 * trainer only translates what it receives.
 *
 * <p>Defaults (documented in job-api/README.md):
 * <ul>
 *   <li>adapter: {@code lora}, r {@value #DEFAULT_R}, alpha 2 r, dropout {@value #DEFAULT_DROPOUT}, PEFT's
 *       default target modules for the base model's family ({@code q_proj, v_proj}; phi3 {@code qkv_proj}),
 *       no rsLoRA; {@code qlora} quantizes the base with {@code nf4-dq}; {@code prefix} has
 *       {@value #DEFAULT_VIRTUAL_TOKENS} virtual tokens;</li>
 *   <li>training ("auto"): {@value #DEFAULT_EPOCHS} epochs, batch {@value #DEFAULT_BATCH_SIZE}, learning rate
 *       {@value #BASE_LEARNING_RATE} times the multiplier (1), sequences of {@value #SEQ_LEN} tokens, warmup over
 *       {@value #WARMUP_RATIO} of the steps, cosine decay, no gradient accumulation, a checkpoint every quarter
 *       of the steps.</li>
 * </ul>
 */
public final class JobSettings {

    public static final String LORA = "lora";
    public static final String QLORA = "qlora";
    public static final String PREFIX = "prefix";
    public static final List<String> METHODS = List.of(LORA, QLORA, PREFIX);

    public static final int DEFAULT_R = 8;
    public static final int MAX_R = 256;
    public static final double MAX_ALPHA = 65536;
    public static final double DEFAULT_DROPOUT = 0.05;
    public static final QuantScheme DEFAULT_QUANTIZATION = QuantScheme.NF4_DQ;
    public static final int DEFAULT_VIRTUAL_TOKENS = 16;
    public static final int MAX_VIRTUAL_TOKENS = 512;

    public static final int DEFAULT_EPOCHS = 3;
    public static final int MAX_EPOCHS = 50;
    public static final int DEFAULT_BATCH_SIZE = 4;
    public static final int MAX_BATCH_SIZE = 256;
    public static final double BASE_LEARNING_RATE = 2e-4;
    public static final double MIN_LR_MULTIPLIER = 1e-3;
    public static final double MAX_LR_MULTIPLIER = 100;
    public static final int SEQ_LEN = 256;
    public static final double WARMUP_RATIO = 0.1;
    public static final LrSchedule.Kind SCHEDULE = LrSchedule.Kind.COSINE;
    public static final int GRADIENT_ACCUMULATION = 1;
    public static final int MAX_CHECKPOINT_EVERY = 1_000_000;

    private static final Pattern MODULE_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private JobSettings() {
    }

    /** lora_alpha when none is given: twice the rank (the common LoRA recipe; PEFT's own default is 8). */
    public static double defaultAlpha(int r) {
        return 2.0 * r;
    }

    /** The adapter part of a job request; null means "use the default". */
    public record AdapterRequest(String type, Integer r, Double alpha, Double dropout, List<String> targetModules,
                                 Boolean useRslora, String quantization, Integer numVirtualTokens) {

        /** Everything left to its default. */
        public static AdapterRequest defaults() {
            return new AdapterRequest(null, null, null, null, null, null, null, null);
        }
    }

    /**
     * A resolved adapter: {@code lora} and {@code qlora} have {@link #lora()} (target modules as given, or the
     * family's default), {@code qlora} also {@link #quantization()}, {@code prefix} has {@link #numVirtualTokens()}.
     */
    public record Adapter(String method, LoraConfig lora, QuantScheme quantization, int numVirtualTokens) {
    }

    /** The training part of a job request: null means {@code "auto"}. */
    public record TrainingRequest(Double nEpochs, Double batchSize, Double learningRateMultiplier,
                                  Double checkpointEvery) {

        public static TrainingRequest auto() {
            return new TrainingRequest(null, null, null, null);
        }
    }

    /**
     * Resolved training settings.
     *
     * @param checkpointEvery keep a checkpoint (and validate) every N optimizer updates
     */
    public record Training(int nEpochs, int batchSize, double learningRate, int seqLen, double warmupRatio,
                           LrSchedule.Kind schedule, int gradientAccumulation, int checkpointEvery) {

        /** Optimizer updates for {@code examples} training examples, as the Hugging Face Trainer counts them. */
        public long steps(int examples) {
            return TrainConfig.stepsForEpochs(nEpochs, Math.max(1, examples), batchSize, gradientAccumulation);
        }

        /**
         * The engine's run configuration for {@code examples} examples: warmup is {@code ceil(warmup_ratio * steps)}
         * updates (the Hugging Face Trainer's rule); the engine checkpoints at the job's interval, or once for the
         * whole run when the job asked for none, so that a pause or a shutdown can save the step it reached;
         * validation runs at each requested checkpoint and at the end.
         *
         * @throws SettingsException when the engine refuses a value
         */
        public TrainConfig trainConfig(int examples, long seed) {
            long steps = steps(examples);
            try {
                return TrainConfig.builder()
                        .learningRate(learningRate)
                        .maxSteps(steps)
                        .batchSize(batchSize)
                        .gradAccumulation(gradientAccumulation)
                        .warmupSteps((long) Math.ceil(warmupRatio * steps))
                        .schedule(schedule)
                        .seed(seed)
                        .checkpointEvery(checkpointEvery > 0 ? checkpointEvery : (int) Math.min(Integer.MAX_VALUE, steps))
                        .evalEvery(Math.max(0, checkpointEvery))
                        .build();
            } catch (IllegalArgumentException e) {
                throw new SettingsException("hyperparameters", e.getMessage());
            }
        }
    }

    /**
     * Resolves and checks the adapter of a job on a base model of {@code modelType} ({@code config.json}'s
     * {@code model_type}; null or unknown: target modules are checked by name only, the trainer's load refuses
     * the model itself).
     */
    public static Adapter adapter(AdapterRequest request, String modelType) {
        AdapterRequest a = request == null ? AdapterRequest.defaults() : request;
        String method = a.type() == null ? LORA : a.type();
        if (!METHODS.contains(method)) {
            throw new SettingsException("adapter.type", "adapter.type must be one of " + METHODS + ", got '"
                    + Shown.text(method) + "'");
        }
        if (method.equals(PREFIX)) {
            List<String> given = loraFieldsGiven(a);
            if (!given.isEmpty()) {
                String field = given.get(0);
                throw new SettingsException("adapter." + field, "adapter." + field + " applies to lora and qlora adapters,"
                        + " not to prefix tuning; leave it out or use type lora");
            }
            int tokens = a.numVirtualTokens() == null ? DEFAULT_VIRTUAL_TOKENS : a.numVirtualTokens();
            if (tokens < 1 || tokens > MAX_VIRTUAL_TOKENS) {
                throw new SettingsException("adapter.num_virtual_tokens", "adapter.num_virtual_tokens must be between 1"
                        + " and " + MAX_VIRTUAL_TOKENS + ", got " + tokens);
            }
            return new Adapter(method, null, null, tokens);
        }
        if (a.numVirtualTokens() != null) {
            throw new SettingsException("adapter.num_virtual_tokens", "adapter.num_virtual_tokens applies to prefix"
                    + " tuning only; leave it out or use type prefix");
        }
        QuantScheme scheme = null;
        if (method.equals(QLORA)) {
            try {
                scheme = a.quantization() == null ? DEFAULT_QUANTIZATION : QuantScheme.parse(a.quantization());
            } catch (IllegalArgumentException e) {
                throw new SettingsException("adapter.quantization", "adapter.quantization: " + printableMessage(e));
            }
        } else if (a.quantization() != null) {
            throw new SettingsException("adapter.quantization", "adapter.quantization applies to qlora adapters only;"
                    + " leave it out or use type qlora");
        }
        int r = a.r() == null ? DEFAULT_R : a.r();
        if (r < 1 || r > MAX_R) {
            throw new SettingsException("adapter.r", "adapter.r must be between 1 and " + MAX_R + ", got " + r);
        }
        double alpha = a.alpha() == null ? defaultAlpha(r) : a.alpha();
        if (!(alpha > 0 && alpha <= MAX_ALPHA)) {
            throw new SettingsException("adapter.alpha", "adapter.alpha must be a positive number up to " + (int) MAX_ALPHA
                    + " (PEFT's lora_alpha; default 2 r), got " + alpha);
        }
        double dropout = a.dropout() == null ? DEFAULT_DROPOUT : a.dropout();
        if (!(dropout >= 0 && dropout < 1)) {
            throw new SettingsException("adapter.dropout", "adapter.dropout must be in [0, 1), got " + dropout);
        }
        Family family = family(modelType);
        List<String> targets = targets(a.targetModules(), family);
        LoraConfig lora;
        try {
            lora = LoraConfig.of(r, alpha, dropout, targets).withRslora(Boolean.TRUE.equals(a.useRslora()));
            if (family != null) {
                lora.resolvedTargets(family);
            }
        } catch (IllegalArgumentException e) {
            throw new SettingsException("adapter.target_modules", "adapter.target_modules: " + printableMessage(e));
        }
        return new Adapter(method, lora, scheme, 0);
    }

    /** Resolves {@code "auto"} and checks the training settings of a job over {@code examples} examples. */
    public static Training training(TrainingRequest request, int examples) {
        TrainingRequest t = request == null ? TrainingRequest.auto() : request;
        int epochs = (int) whole(t.nEpochs(), "n_epochs", DEFAULT_EPOCHS, 1, MAX_EPOCHS);
        int batch = (int) whole(t.batchSize(), "batch_size", DEFAULT_BATCH_SIZE, 1, MAX_BATCH_SIZE);
        double multiplier = number(t.learningRateMultiplier(), "learning_rate_multiplier", 1.0, MIN_LR_MULTIPLIER,
                MAX_LR_MULTIPLIER);
        long steps = TrainConfig.stepsForEpochs(epochs, Math.max(1, examples), batch, GRADIENT_ACCUMULATION);
        int checkpointEvery = (int) whole(t.checkpointEvery(), "checkpoint_every", Math.max(1, Math.ceil(steps / 4.0)), 1,
                MAX_CHECKPOINT_EVERY);
        Training training = new Training(epochs, batch, BASE_LEARNING_RATE * multiplier, SEQ_LEN, WARMUP_RATIO, SCHEDULE,
                GRADIENT_ACCUMULATION, checkpointEvery);
        training.trainConfig(examples, 0); // the engine's own checks, now rather than at the trainer
        return training;
    }

    private static List<String> loraFieldsGiven(AdapterRequest a) {
        List<String> given = new java.util.ArrayList<>();
        if (a.r() != null) {
            given.add("r");
        }
        if (a.alpha() != null) {
            given.add("alpha");
        }
        if (a.dropout() != null) {
            given.add("dropout");
        }
        if (a.targetModules() != null) {
            given.add("target_modules");
        }
        if (a.useRslora() != null) {
            given.add("use_rslora");
        }
        if (a.quantization() != null) {
            given.add("quantization");
        }
        return given;
    }

    private static Family family(String modelType) {
        if (modelType == null) {
            return null;
        }
        try {
            return Family.of(modelType);
        } catch (IllegalArgumentException e) {
            return null; // an unsupported model is refused where it is loaded; target modules are checked by name
        }
    }

    private static List<String> targets(List<String> requested, Family family) {
        if (requested == null) {
            return family == null ? LoraConfig.defaultTargets(Family.LLAMA) : LoraConfig.defaultTargets(family);
        }
        if (requested.isEmpty()) {
            throw new SettingsException("adapter.target_modules", "adapter.target_modules must name at least one module,"
                    + " e.g. [\"q_proj\", \"v_proj\"] or [\"all-linear\"]; leave it out for the model's default");
        }
        for (int i = 0; i < requested.size(); i++) {
            String t = requested.get(i);
            if (t == null || !MODULE_NAME.matcher(t).matches() || t.contains("..")) {
                throw new SettingsException("adapter.target_modules", "adapter.target_modules[" + i + "] is not a module"
                        + " name: use projection names such as q_proj, v_proj, gate_proj (phi3: qkv_proj, gate_up_proj)"
                        + " or all-linear");
            }
        }
        return requested;
    }

    private static double whole(Double value, String name, double auto, double min, double max) {
        double d = number(value, name, auto, min, max);
        if (d != Math.rint(d)) {
            throw new SettingsException("hyperparameters." + name, "hyperparameters." + name
                    + " must be a whole number or \"auto\", got " + d);
        }
        return d;
    }

    private static double number(Double value, String name, double auto, double min, double max) {
        if (value == null) {
            return auto;
        }
        double d = value;
        if (!(d >= min && d <= max)) {
            throw new SettingsException("hyperparameters." + name, "hyperparameters." + name + " must be between "
                    + min + " and " + max + ", got " + d);
        }
        return d;
    }

    private static String printableMessage(IllegalArgumentException e) {
        return e.getMessage().replaceAll("\\p{Cntrl}", "?");
    }
}
