package dev.loraforge.inference.config;

import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * The tuning engine as this process uses it: PyTorch's intra-op threads from
 * {@code inference.threads}, set before the engine starts (DJL reads them once); runs before the
 * engine warm-up of {@link dev.loraforge.inference.health.EngineReadinessCheck}.
 */
@ApplicationScoped
public class EngineSetup {

    private static final Logger LOG = Logger.getLogger(EngineSetup.class);
    static final String THREADS = "ai.djl.pytorch.num_threads";
    static final String INTEROP_THREADS = "ai.djl.pytorch.num_interop_threads";

    void onStart(@Observes @Priority(10) StartupEvent event, InferenceConfig config) {
        check(config.threads() >= 1, "inference.threads", config.threads(), "at least 1");
        check(config.maxBaseModels() >= 1, "inference.max-base-models", config.maxBaseModels(), "at least 1");
        check(config.maxAdapters() >= 1, "inference.max-adapters", config.maxAdapters(), "at least 1");
        check(config.maxConcurrent() >= 1, "inference.max-concurrent", config.maxConcurrent(), "at least 1");
        check(config.maxTokensLimit() >= 1, "inference.max-tokens-limit", config.maxTokensLimit(), "at least 1");
        if (System.getProperty(THREADS) == null) {
            System.setProperty(THREADS, Integer.toString(config.threads()));
            System.setProperty(INTEROP_THREADS, "1");
        }
        try {
            device = dev.loraforge.engine.model.DeviceSpec.parse(config.device()).resolve();
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("inference.device (INFERENCE_DEVICE) '" + config.device() + "': "
                    + e.getMessage(), e);
        }
        LOG.infof("inference on %s: %s intra-op threads, %d generations at once, up to %d base models and %d adapters"
                + " in memory", dev.loraforge.engine.model.DeviceSpec.name(device), System.getProperty(THREADS),
                config.maxConcurrent(), config.maxBaseModels(), config.maxAdapters());
    }

    private volatile ai.djl.Device device = ai.djl.Device.cpu();

    /** The device base models load on (inference.device, resolved at start). */
    public ai.djl.Device device() {
        return device;
    }

    private static void check(boolean ok, String key, int value, String rule) {
        if (!ok) {
            throw new IllegalArgumentException(key + " is " + value + "; it must be " + rule);
        }
    }
}
