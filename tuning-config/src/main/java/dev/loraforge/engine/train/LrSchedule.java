package dev.loraforge.engine.train;

/**
 * Learning-rate multipliers as Hugging Face's {@code get_*_schedule_with_warmup} define them
 * ({@code transformers.optimization}), applied through a {@code LambdaLR}: optimizer update number
 * {@code k} (0-based) uses {@code lr * factor(k)}. With warmup the first update therefore has lr 0,
 * exactly as in a Hugging Face run.
 */
public record LrSchedule(Kind kind, long warmupSteps, long totalSteps) {

    public enum Kind {
        /** {@code get_linear_schedule_with_warmup}: linear warmup, then linear decay to 0 at totalSteps. */
        LINEAR,
        /** {@code get_cosine_schedule_with_warmup} with {@code num_cycles = 0.5}: half a cosine down to 0. */
        COSINE,
        /** {@code get_constant_schedule_with_warmup}: linear warmup, then constant. */
        CONSTANT;

        public static Kind parse(String name) {
            for (Kind k : values()) {
                if (k.name().equalsIgnoreCase(name)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown lr schedule '" + name + "'; use linear, cosine or constant");
        }
    }

    public LrSchedule {
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("warmup steps must be >= 0, got " + warmupSteps);
        }
        if (totalSteps < 1) {
            throw new IllegalArgumentException("total steps must be >= 1, got " + totalSteps);
        }
    }

    /** The multiplier for optimizer update {@code step} (0-based). */
    public double factor(long step) {
        if (step < warmupSteps) {
            return (double) step / Math.max(1, warmupSteps);
        }
        return switch (kind) {
            case LINEAR -> Math.max(0.0, (double) (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
            case COSINE -> {
                double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
                yield Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * 0.5 * 2.0 * progress)));
            }
            case CONSTANT -> 1.0;
        };
    }
}
