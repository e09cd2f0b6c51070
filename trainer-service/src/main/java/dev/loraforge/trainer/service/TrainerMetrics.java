package dev.loraforge.trainer.service;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The trainer's figures at {@code /q/metrics} (Prometheus names): {@code loraforge_trainer_trained_tokens_total} and
 * {@code loraforge_trainer_steps_total} (their rate is tokens/s and steps/s), and
 * {@code loraforge_trainer_train_loss{job_id}}: the latest training loss of each attempt this trainer runs, gone
 * when the attempt ends (so as many series as running attempts).
 */
@ApplicationScoped
public class TrainerMetrics {

    private final MeterRegistry registry;
    private final Counter tokens;
    private final Counter steps;
    private final Map<String, Loss> losses = new ConcurrentHashMap<>();

    private record Loss(AtomicLong bits, Gauge gauge) {
    }

    public TrainerMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.tokens = Counter.builder("loraforge.trainer.trained_tokens").description("tokens trained on").register(registry);
        this.steps = Counter.builder("loraforge.trainer.steps").description("optimizer updates").register(registry);
    }

    /** One update of {@code jobId}'s attempt: {@code newTokens} trained, the update's {@code loss}. */
    void step(String jobId, long newTokens, double loss) {
        steps.increment();
        if (newTokens > 0) {
            tokens.increment(newTokens);
        }
        Loss l = losses.computeIfAbsent(jobId, id -> {
            AtomicLong bits = new AtomicLong(Double.doubleToLongBits(Double.NaN));
            Gauge g = Gauge.builder("loraforge.trainer.train_loss", bits, b -> Double.longBitsToDouble(b.get()))
                    .description("latest training loss of a running attempt").tag("job_id", id).register(registry);
            return new Loss(bits, g);
        });
        l.bits().set(Double.doubleToLongBits(loss));
    }

    /** The attempt of {@code jobId} ended here: its loss series goes. */
    void ended(String jobId) {
        Loss l = losses.remove(jobId);
        if (l != null) {
            registry.remove(l.gauge());
        }
    }
}
