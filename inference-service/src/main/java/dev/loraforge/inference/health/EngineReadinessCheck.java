package dev.loraforge.inference.health;

import ai.djl.engine.Engine;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

/**
 * Ready once the PyTorch engine has started (its natives unpack on first use, which can take a
 * while); started in the background at boot so that the first request does not pay for it.
 */
@Readiness
@ApplicationScoped
public class EngineReadinessCheck implements HealthCheck {

    private static final Logger LOG = Logger.getLogger(EngineReadinessCheck.class);
    private volatile String engine;
    private volatile String failure;

    void onStart(@Observes @Priority(100) StartupEvent event) {
        Thread t = new Thread(() -> {
            try {
                Engine e = Engine.getEngine("PyTorch");
                engine = e.getEngineName() + " " + e.getVersion();
                LOG.infof("engine ready: %s", engine);
            } catch (RuntimeException | Error e) {
                failure = e.getMessage();
                LOG.error("the PyTorch engine did not start", e);
            }
        }, "engine-warmup");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public HealthCheckResponse call() {
        var r = HealthCheckResponse.named("engine");
        if (engine != null) {
            return r.up().withData("engine", engine).build();
        }
        return r.down().withData("reason", failure == null ? "starting" : failure).build();
    }
}
