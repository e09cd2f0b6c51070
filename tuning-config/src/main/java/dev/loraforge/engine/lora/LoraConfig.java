package dev.loraforge.engine.lora;

import dev.loraforge.engine.model.Family;
import dev.loraforge.engine.model.Projections;
import java.util.ArrayList;
import java.util.List;

/**
 * LoRA hyper-parameters with PEFT's meaning: rank {@code r}, {@code lora_alpha}, {@code lora_dropout}
 * on the adapter branch's input, {@code target_modules} by Hugging Face module name (or
 * {@code "all-linear"}: every projection, the LM head excluded as PEFT does), {@code use_rslora}
 * (scaling alpha/sqrt(r) instead of alpha/r) and the A initialisation.
 */
public record LoraConfig(int r, double alpha, double dropout, List<String> targetModules, boolean useRslora,
                         LoraInit init) {

    /** PEFT's shorthand for every linear layer but the output layer. */
    public static final String ALL_LINEAR = "all-linear";

    public LoraConfig {
        if (r <= 0) {
            throw new IllegalArgumentException("r must be a positive integer, got " + r);
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("lora_alpha must be > 0, got " + alpha);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("lora_dropout must be in [0, 1), got " + dropout);
        }
        if (targetModules == null || targetModules.isEmpty()) {
            throw new IllegalArgumentException("target_modules must name at least one module, e.g. [q_proj, v_proj] or "
                    + ALL_LINEAR);
        }
        targetModules = List.copyOf(targetModules);
        for (String t : targetModules) {
            if (t.equals(ALL_LINEAR) ? targetModules.size() != 1 : !Projections.ALL.contains(t)) {
                throw new IllegalArgumentException("target_modules entry '" + t + "' is not valid; use any of "
                        + Projections.SEPARATE + " (phi3: " + Projections.FUSED + ") or " + ALL_LINEAR
                        + " alone");
            }
        }
        if (init == null) {
            throw new IllegalArgumentException("init must be KAIMING_UNIFORM or GAUSSIAN");
        }
    }

    /** Kaiming-uniform A, no rsLoRA. */
    public static LoraConfig of(int r, double alpha, double dropout, List<String> targets) {
        return new LoraConfig(r, alpha, dropout, targets, false, LoraInit.KAIMING_UNIFORM);
    }

    /**
     * The projection names targeted, in {@link Projections#ALL} order; {@code all-linear} stands
     * for the seven separate projections here (see {@link #resolvedTargets(Family)} for a given model).
     */
    public List<String> resolvedTargets() {
        List<String> out = new ArrayList<>();
        for (String p : Projections.ALL) {
            if ((targetModules.contains(ALL_LINEAR) && Projections.SEPARATE.contains(p)) || targetModules.contains(p)) {
                out.add(p);
            }
        }
        return out;
    }

    /**
     * The projections of a model of {@code family} that this config targets: all of them for {@code all-linear};
     * a named module the family does not have (q_proj in phi3's fused layout, say) is an error naming its modules.
     */
    public List<String> resolvedTargets(Family family) {
        List<String> available = family.projections();
        if (targetModules.contains(ALL_LINEAR)) {
            return available;
        }
        for (String t : targetModules) {
            if (!available.contains(t)) {
                throw new IllegalArgumentException("target_modules entry '" + t + "' is not a module of " + family.modelType()
                        + " models; its projections are " + available + " (or " + ALL_LINEAR + ")");
            }
        }
        return available.stream().filter(targetModules::contains).toList();
    }

    /**
     * PEFT's default target_modules for a family (its TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING): the
     * query and value projections, which phi3 holds fused in {@code qkv_proj}.
     */
    public static List<String> defaultTargets(Family family) {
        return family.fusedProjections() ? List.of("qkv_proj") : List.of("q_proj", "v_proj");
    }

    /** This config with {@code target_modules} spelled out for a model of {@code family} (as PEFT saves it). */
    public LoraConfig resolvedFor(Family family) {
        return new LoraConfig(r, alpha, dropout, resolvedTargets(family), useRslora, init);
    }

    /** alpha / r, or alpha / sqrt(r) with rsLoRA. */
    public double scaling() {
        return scaling(r, alpha, useRslora);
    }

    static double scaling(int r, double alpha, boolean rslora) {
        return rslora ? alpha / Math.sqrt(r) : alpha / r;
    }

    public LoraConfig withInit(LoraInit value) {
        return new LoraConfig(r, alpha, dropout, targetModules, useRslora, value);
    }

    public LoraConfig withRslora(boolean value) {
        return new LoraConfig(r, alpha, dropout, targetModules, value, init);
    }
}
