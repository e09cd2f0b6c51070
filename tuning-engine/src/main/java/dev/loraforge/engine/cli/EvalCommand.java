package dev.loraforge.engine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loraforge.engine.data.ExampleEncoder;
import dev.loraforge.engine.train.DpoConfig;
import dev.loraforge.engine.train.DpoMetrics;
import dev.loraforge.engine.train.EvalJob;
import dev.loraforge.engine.train.TokenMetrics;
import dev.loraforge.engine.train.TrainingMethod;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tune eval}: scores a dataset with a model and an optional adapter as training counts it ({@link EvalJob}),
 * without training. A preference file gives each pair's policy and reference log-probabilities, rewards and sigmoid
 * DPO loss; a supervised file each example's token cross-entropy, scored tokens and token accuracy. A table on stdout,
 * or with {@code --json} one object per example and a closing {@code {"summary": true, ...}} object.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Score a dataset with a model (and adapter) as training counts it: DPO log-probabilities, rewards and"
                + " loss per preference pair, or token loss and accuracy per supervised example.")
final class EvalCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face model directory (the base).")
    Path model;

    @Option(names = "--adapter", paramLabel = "DIR",
            description = "PEFT adapter directory (tune train's --out). Without it the base alone is scored (for DPO the"
                    + " policy is then the reference: every loss is ln 2).")
    Path adapter;

    @Option(names = "--data", required = true, paramLabel = "FILE",
            description = "JSONL to score: preference pairs (DPO) or messages, prompt/completion, text (supervised).")
    Path data;

    @Option(names = {"--method", "--training-method"}, paramLabel = "supervised|dpo",
            description = "How to score (default: the file's own: dpo for preference pairs, supervised otherwise); a"
                    + " method the file does not fit exits 2 naming the one it needs.")
    String method;

    @Option(names = "--beta", paramLabel = "X", description = "DPO beta of the loss and rewards (default: "
            + DpoConfig.DEFAULT_BETA + ").")
    Double beta;

    @Option(names = "--json", description = "One JSON object per example, then {\"summary\": true, ...}.")
    boolean json;

    @Option(names = {"--seq-len", "--max-seq-len"}, defaultValue = "" + ExampleEncoder.DEFAULT_SEQ_LEN, paramLabel = "N",
            description = "Truncate examples to N tokens as tune train does (default: ${DEFAULT-VALUE}).")
    int seqLen;

    @Option(names = "--batch", defaultValue = "4", paramLabel = "N",
            description = "Examples (pairs) per forward (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--qlora", description = "Hold a full-precision base in NF4 (nf4-dq) as tune train --method qlora does,"
            + " to score a QLoRA adapter on the base it trained on (a tune quantize output is used as it is).")
    boolean qlora;

    @Mixin
    ChatTemplateKwargs templateKwargs;

    @Mixin
    EngineOptions engine;

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public Integer call() throws Exception {
        TrainingMethod objective = method == null ? null : TrainingMethod.parse(method);
        if (beta != null && objective == TrainingMethod.SUPERVISED) {
            throw new IllegalArgumentException("--beta is for DPO evaluation (--method dpo or a preference file)");
        }
        EvalJob job = new EvalJob(model, adapter, data, objective, beta == null ? null : new DpoConfig(beta), seqLen, batch,
                qlora, templateKwargs.values(), engine.device());
        EvalJob.Outcome outcome = job.run(System.err::println);
        if (!outcome.skippedLines().isEmpty()) {
            System.err.println("skipped " + outcome.skippedLines().size() + " example(s) with nothing to score within --seq-len "
                    + seqLen + ": lines " + outcome.skippedLines());
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        if (outcome instanceof EvalJob.Dpo d) {
            printDpo(out, d);
        } else {
            printSupervised(out, (EvalJob.Supervised) outcome);
        }
        out.flush();
        return 0;
    }

    private void printDpo(PrintStream out, EvalJob.Dpo d) throws Exception {
        double b = d.beta();
        if (json) {
            for (EvalJob.PairScore p : d.pairs()) {
                DpoMetrics.PairLogps l = p.logps();
                ObjectNode o = JSON.createObjectNode().put("index", p.index()).put("line", p.line())
                        .put("policy_chosen_logp", l.policyChosen()).put("policy_rejected_logp", l.policyRejected())
                        .put("reference_chosen_logp", l.referenceChosen()).put("reference_rejected_logp", l.referenceRejected())
                        .put("reward_chosen", l.rewardChosen(b)).put("reward_rejected", l.rewardRejected(b))
                        .put("reward_margin", l.rewardChosen(b) - l.rewardRejected(b)).put("loss", l.loss(b))
                        .put("chosen_tokens", p.chosenTokens()).put("rejected_tokens", p.rejectedTokens());
                out.println(JSON.writeValueAsString(o));
            }
            ObjectNode s = summary("dpo", d, d.pairs().size()).put("beta", b).put("mean_loss", d.summary().loss());
            for (Map.Entry<String, Object> e : d.summary().toMap("").entrySet()) {
                if (!e.getKey().equals("loss")) {
                    s.put(e.getKey(), (Double) e.getValue());
                }
            }
            out.println(JSON.writeValueAsString(s));
            return;
        }
        out.printf("%6s %6s %14s %14s %14s %14s %10s %10s%n", "index", "line", "policy_chosen", "policy_reject",
                "ref_chosen", "ref_rejected", "margin", "loss");
        for (EvalJob.PairScore p : d.pairs()) {
            DpoMetrics.PairLogps l = p.logps();
            out.printf("%6d %6d %14.4f %14.4f %14.4f %14.4f %10.4f %10.5f%n", p.index(), p.line(), l.policyChosen(),
                    l.policyRejected(), l.referenceChosen(), l.referenceRejected(), l.rewardChosen(b) - l.rewardRejected(b),
                    l.loss(b));
        }
        DpoMetrics m = d.summary();
        out.printf("%d pairs, beta %s%s: mean loss %.5f, rewards/accuracies %.4f, rewards/margins %.4f, rewards/chosen %.4f,"
                + " rewards/rejected %.4f, logps/chosen %.4f, logps/rejected %.4f%n", m.pairs(), b, notes(d),
                m.loss(), m.rewardsAccuracies(), m.rewardsMargins(), m.rewardsChosen(), m.rewardsRejected(), m.logpsChosen(),
                m.logpsRejected());
    }

    private void printSupervised(PrintStream out, EvalJob.Supervised s) throws Exception {
        TokenMetrics total = s.summary();
        if (json) {
            for (EvalJob.ExampleScore e : s.examples()) {
                out.println(JSON.writeValueAsString(JSON.createObjectNode().put("index", e.index()).put("line", e.line())
                        .put("loss", e.metrics().loss()).put("tokens", e.metrics().tokens())
                        .put("mean_token_accuracy", e.metrics().accuracy())));
            }
            out.println(JSON.writeValueAsString(summary("supervised", s, s.examples().size()).put("tokens", total.tokens())
                    .put("mean_loss", total.loss()).put("perplexity", total.perplexity())
                    .put("mean_token_accuracy", total.accuracy())));
            return;
        }
        out.printf("%6s %6s %8s %10s %10s%n", "index", "line", "tokens", "loss", "accuracy");
        for (EvalJob.ExampleScore e : s.examples()) {
            out.printf("%6d %6d %8d %10.5f %10.4f%n", e.index(), e.line(), e.metrics().tokens(), e.metrics().loss(),
                    e.metrics().accuracy());
        }
        out.printf("%d examples, %d scored tokens%s: mean loss %.5f (token-weighted), perplexity %.4f, mean token accuracy"
                + " %.4f%n", s.examples().size(), total.tokens(), notes(s), total.loss(), total.perplexity(), total.accuracy());
    }

    /** The fields both summaries open with. */
    private ObjectNode summary(String method, EvalJob.Outcome o, int examples) {
        ObjectNode s = JSON.createObjectNode().put("summary", true).put("method", method).put("examples", examples)
                .put("skipped", o.skippedLines().size()).put("truncated", o.truncated()).put("seq_len", seqLen)
                .put("model", model.toString()).put("device", o.device());
        if (adapter == null) {
            s.putNull("adapter");
        } else {
            s.put("adapter", adapter.toString());
        }
        return s;
    }

    private String notes(EvalJob.Outcome o) {
        return (adapter == null ? ", no adapter" : "") + (o.truncated() > 0 ? ", " + o.truncated() + " cut at --seq-len " + seqLen : "")
                + (o.skippedLines().isEmpty() ? "" : ", " + o.skippedLines().size() + " skipped");
    }
}
