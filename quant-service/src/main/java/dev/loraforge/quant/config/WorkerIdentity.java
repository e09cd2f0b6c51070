package dev.loraforge.quant.config;

import dev.loraforge.engine.model.LlamaModel;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import java.util.UUID;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

/**
 * Who this process is: the owner name written on the rows it quantizes ({@code <worker id>/<random>},
 * unique per process) and the tuning-engine version recorded with every quantized model.
 */
@ApplicationScoped
public class WorkerIdentity {

    private static final Logger LOG = Logger.getLogger(WorkerIdentity.class);

    private final String owner;
    private final String engineVersion = readEngineVersion();

    public WorkerIdentity(QuantConfig config) {
        String worker = config.workerId().filter(s -> !s.isBlank())
                .orElseGet(() -> System.getenv().getOrDefault("HOSTNAME", "local"));
        this.owner = worker + "/" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** This process's owner name. */
    public String owner() {
        return owner;
    }

    /** The tuning-engine version (its Maven version). */
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
