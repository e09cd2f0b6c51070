package dev.loraforge.trainer.config;

import dev.loraforge.engine.model.DeviceSpec;
import dev.loraforge.engine.model.LlamaModel;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

/**
 * The tuning engine as this process uses it: PyTorch's intra-op threads from {@code trainer.threads}
 * (set before the engine starts; DJL reads them once) and the engine version recorded in lineage.
 */
@ApplicationScoped
public class EngineSetup {

    private static final Logger LOG = Logger.getLogger(EngineSetup.class);
    static final String THREADS = "ai.djl.pytorch.num_threads";
    static final String INTEROP_THREADS = "ai.djl.pytorch.num_interop_threads";

    private final String engineVersion = readEngineVersion();
    private volatile ai.djl.Device device = ai.djl.Device.cpu();

    void onStart(@Observes StartupEvent event, TrainerConfig config) {
        if (config.threads() < 1) {
            throw new IllegalArgumentException("trainer.threads is " + config.threads() + "; it must be at least 1");
        }
        if (System.getProperty(THREADS) == null) {
            System.setProperty(THREADS, Integer.toString(config.threads()));
            System.setProperty(INTEROP_THREADS, "1");
        }
        DeviceSpec spec;
        try {
            spec = DeviceSpec.parse(config.device());
            device = spec.resolve();
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("trainer.device (TRAINER_DEVICE) '" + config.device() + "': " + e.getMessage(), e);
        }
        LOG.infof("tuning engine %s on %s (trainer.device %s), %s intra-op threads, %d concurrent attempt(s)", engineVersion,
                DeviceSpec.name(device), spec, System.getProperty(THREADS), config.concurrency());
    }

    /** The device attempts train on (trainer.device, resolved at start). */
    public ai.djl.Device device() {
        return device;
    }

    /** The tuning-engine version (its Maven version), recorded with every adapter and outcome. */
    public String engineVersion() {
        return engineVersion;
    }

    private static String readEngineVersion() {
        try (InputStream in = LlamaModel.class.getResourceAsStream(
                "/META-INF/maven/dev.loraforge/tuning-engine/pom.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version");
                if (v != null && !v.isBlank()) {
                    return v;
                }
            }
        } catch (IOException e) {
            LOG.debugf("no tuning-engine pom.properties: %s", e.getMessage());
        }
        // classes straight from the reactor (no jar): the engine is built with the platform's version
        return ConfigProvider.getConfig().getOptionalValue("quarkus.application.version", String.class).orElse("unknown");
    }
}
