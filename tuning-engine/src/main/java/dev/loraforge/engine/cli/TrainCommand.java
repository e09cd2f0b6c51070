package dev.loraforge.engine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loraforge.engine.data.ExampleEncoder;
import dev.loraforge.engine.model.LlamaConfig;
import dev.loraforge.engine.quant.BnbQuantizationConfig;
import dev.loraforge.engine.train.AdapterSpec;
import dev.loraforge.engine.train.CancellationToken;
import dev.loraforge.engine.train.Checkpoint;
import dev.loraforge.engine.train.DpoConfig;
import dev.loraforge.engine.train.DpoJob;
import dev.loraforge.engine.train.TrainingMethod;
import dev.loraforge.engine.train.FineTuneJob;
import dev.loraforge.engine.train.LrSchedule;
import dev.loraforge.engine.train.TrainConfig;
import dev.loraforge.engine.train.TrainResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tune train}: fine-tunes an adapter and writes it (PEFT format) to {@code --out}, with
 * {@code metrics.json}, {@code step_metrics.csv} and {@code checkpoints/checkpoint-N}. Progress goes to stderr (a bar on a
 * terminal); the last stdout line is the metrics JSON. Ctrl-C stops after the current step and
 * saves a checkpoint and the adapter.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Fine-tune a LoRA, QLoRA or prefix adapter on a JSONL dataset (supervised), or a LoRA/QLoRA adapter with DPO on preference pairs.")
final class TrainCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face model directory.")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "Training JSONL (messages, prompt/completion or text).")
    Path data;

    @Option(names = "--validation", paramLabel = "FILE", description = "Validation JSONL (loss and perplexity).")
    Path validation;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory for the adapter, metrics and checkpoints.")
    Path out;

    @Option(names = "--method", defaultValue = "lora", paramLabel = "lora|qlora|prefix|dpo",
            description = "Adapter type; qlora = LoRA on a base held in NF4 (default: ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--training-method", paramLabel = "supervised|dpo",
            description = "What to optimise (OpenAI's method.type): supervised fine-tuning, or DPO on preference pairs"
                    + " (--data in OpenAI's input/preferred_output/non_preferred_output or TRL's prompt/chosen/rejected"
                    + " format; a LoRA or QLoRA adapter) (default: supervised). --method dpo is short for"
                    + " --method lora --training-method dpo.")
    String trainingMethod;

    @Option(names = "--beta", paramLabel = "X", description = "DPO beta, with --training-method dpo (default: "
            + DpoConfig.DEFAULT_BETA + ").")
    Double beta;

    @Option(names = "--quantized", paramLabel = "DIR",
            description = "With --method qlora: the base already quantized by tune quantize (default: quantize --model in memory, nf4-dq).")
    Path quantized;

    @Option(names = "--r", defaultValue = "8", paramLabel = "N", description = "LoRA rank (default: ${DEFAULT-VALUE}).")
    int r;

    @Option(names = "--alpha", defaultValue = "16", paramLabel = "X", description = "LoRA alpha (default: ${DEFAULT-VALUE}).")
    double alpha;

    @Option(names = "--dropout", defaultValue = "0.0", paramLabel = "X", description = "LoRA dropout (default: ${DEFAULT-VALUE}).")
    double dropout;

    @Option(names = "--targets", split = ",", paramLabel = "LIST",
            description = "Modules to adapt: q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj (phi3: qkv_proj,o_proj,"
                    + "gate_up_proj,down_proj) or all-linear (default: PEFT's for the family, q_proj,v_proj; phi3 qkv_proj).")
    List<String> targets;

    @Option(names = "--rslora", description = "Scale by alpha/sqrt(r) (rsLoRA).")
    boolean rslora;

    @Option(names = "--init", defaultValue = "kaiming", paramLabel = "kaiming|gaussian", description = "LoRA A init (default: ${DEFAULT-VALUE}).")
    String init;

    @Option(names = "--virtual-tokens", defaultValue = "16", paramLabel = "N", description = "Prefix length for --method prefix (default: ${DEFAULT-VALUE}).")
    int virtualTokens;

    @Option(names = "--lr", defaultValue = "2e-4", paramLabel = "X", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Length length;

    static final class Length {
        @Option(names = "--steps", paramLabel = "N", description = "Optimizer updates.")
        Long steps;

        @Option(names = "--epochs", paramLabel = "N", description = "Passes over the data (may be fractional).")
        Double epochs;
    }

    @Option(names = "--batch", defaultValue = "4", paramLabel = "N", description = "Examples per micro-batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--grad-accum", defaultValue = "1", paramLabel = "N", description = "Micro-batches per update (default: ${DEFAULT-VALUE}).")
    int gradAccum;

    @Option(names = "--seq-len", defaultValue = "" + ExampleEncoder.DEFAULT_SEQ_LEN, paramLabel = "N", description = "Truncate examples to N tokens (default: ${DEFAULT-VALUE}).")
    int seqLen;

    @Option(names = "--warmup", defaultValue = "0", paramLabel = "N", description = "Warmup updates (default: ${DEFAULT-VALUE}).")
    long warmup;

    @Option(names = "--schedule", defaultValue = "linear", paramLabel = "linear|cosine|constant", description = "LR decay (default: ${DEFAULT-VALUE}).")
    String schedule;

    @Option(names = "--weight-decay", defaultValue = "0.0", paramLabel = "X", description = "AdamW weight decay (default: ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--max-grad-norm", defaultValue = "1.0", paramLabel = "X", description = "Gradient clipping, 0 = off (default: ${DEFAULT-VALUE}).")
    double maxGradNorm;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "N", description = "Seed for init, data order, dropout (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--checkpoint-every", defaultValue = "0", paramLabel = "N", description = "Checkpoint every N updates, 0 = off (default: ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--eval-every", defaultValue = "0", paramLabel = "N", description = "Validate every N updates, 0 = at the end (default: ${DEFAULT-VALUE}).")
    int evalEvery;

    @Option(names = "--resume", paramLabel = "DIR", description = "Resume from a checkpoint-N directory, or the latest checkpoint under an output directory.")
    Path resume;

    @Option(names = "--gradient-checkpointing", description = "Recompute each layer in the backward pass instead of keeping its"
            + " activations: long sequences fit in less memory for one more forward pass of compute (always on for qlora).")
    boolean gradientCheckpointing;

    @Option(names = "--packing", description = "Pack each batch's examples into as few rows as fit the longest one,"
            + " attention and positions kept per example: the same loss with less padding (short chat examples).")
    boolean packing;

    @Option(names = "--no-progress", description = "Never draw a progress bar (log lines instead).")
    boolean noProgress;

    @Mixin
    ChatTemplateKwargs templateKwargs;

    @Mixin
    EngineOptions engine;

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public Integer call() throws Exception {
        if ("dpo".equalsIgnoreCase(method) || "supervised".equalsIgnoreCase(method)) {
            // OpenAI's method.type given as --method (tune train --method dpo): a LoRA adapter trained that way
            if (trainingMethod != null && !trainingMethod.equalsIgnoreCase(method)) {
                throw new IllegalArgumentException("--method " + method + " and --training-method " + trainingMethod
                        + " disagree; for QLoRA DPO give --method qlora --training-method dpo");
            }
            trainingMethod = method.toLowerCase();
            method = AdapterSpec.LORA;
        }
        TrainingMethod objective = TrainingMethod.parse(trainingMethod == null ? "supervised" : trainingMethod);
        if (beta != null && objective != TrainingMethod.DPO) {
            throw new IllegalArgumentException("--beta is for --training-method dpo");
        }
        Path checkpoint = resume == null ? null : resolveCheckpoint(resume);
        AdapterSpec spec = new AdapterSpec(method, r, alpha, dropout, targets, rslora, init, virtualTokens);
        TrainConfig config = TrainConfig.builder().learningRate(lr)
                .maxSteps(length.steps != null ? length.steps : Long.MAX_VALUE) // replaced from --epochs by the job
                .batchSize(batch).gradAccumulation(gradAccum).warmupSteps(warmup).schedule(LrSchedule.Kind.parse(schedule))
                .weightDecay(weightDecay).maxGradNorm(maxGradNorm).seed(seed).checkpointEvery(checkpointEvery)
                .evalEvery(evalEvery).gradientCheckpointing(gradientCheckpointing).packing(packing).build();
        double epochs = length.epochs != null ? length.epochs : 0;
        DpoJob dpoJob = objective != TrainingMethod.DPO ? null : new DpoJob(baseDir(), data, validation, spec, seqLen, config,
                new DpoConfig(beta == null ? DpoConfig.DEFAULT_BETA : beta), epochs, out, checkpoint, templateKwargs.values(),
                engine.device());
        FineTuneJob job = dpoJob != null ? null : new FineTuneJob(baseDir(), data, validation, spec, seqLen, config, epochs,
                out, checkpoint, templateKwargs.values(), engine.device());
        CancellationToken token = new CancellationToken();
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            token.cancel(); // Ctrl-C: stop after the current step, then save
            try {
                finished.await(120, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Runtime.getRuntime().addShutdownHook(hook);
        ProgressBar bar = new ProgressBar(System.err, !noProgress && System.console() != null);
        try {
            Map<String, Object> metrics;
            String status;
            if (dpoJob != null) {
                DpoJob.Outcome outcome = dpoJob.run(bar, token, System.err::println);
                metrics = outcome.metrics();
                status = outcome.result().status();
            } else {
                FineTuneJob.Outcome outcome = job.run(bar, token, System.err::println);
                metrics = outcome.metrics();
                status = outcome.result().status();
            }
            bar.finish();
            System.out.println(JSON.writeValueAsString(metrics));
            System.out.flush();
            return TrainResult.COMPLETED.equals(status) ? 0 : 130;
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it waits for `finished`, released above
            }
        }
    }

    /** --model, or for QLoRA on a pre-quantized base the --quantized directory (same model, tokenizer copied along). */
    private Path baseDir() {
        if (quantized == null) {
            return model;
        }
        if (!AdapterSpec.QLORA.equalsIgnoreCase(method)) {
            throw new IllegalArgumentException("--quantized is for --method qlora (got --method " + method + ")");
        }
        if (BnbQuantizationConfig.read(quantized).isEmpty()) {
            throw new IllegalArgumentException("--quantized " + quantized + " is not a quantized model (its config.json has no"
                    + " quantization_config); make one with: tune quantize --model " + model + " --scheme nf4-dq --out DIR");
        }
        if (!LlamaConfig.load(quantized).equals(LlamaConfig.load(model))) {
            throw new IllegalArgumentException("--quantized " + quantized + " is not the same model as --model " + model
                    + " (their config.json files differ)");
        }
        return quantized;
    }

    private static Path resolveCheckpoint(Path p) {
        if (Files.isRegularFile(p.resolve(Checkpoint.STATE_FILE))) {
            return p;
        }
        for (Path root : Arrays.asList(p.resolve("checkpoints"), p)) {
            var latest = Checkpoint.latest(root);
            if (latest.isPresent()) {
                return latest.get();
            }
        }
        throw new IllegalArgumentException("--resume " + p + " is neither a checkpoint directory nor a directory holding checkpoint-N directories");
    }

}
