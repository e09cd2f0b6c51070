package dev.loraforge.events.platform;

import dev.loraforge.events.KafkaProbe;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness DOWN within a few seconds when no Kafka broker answers. One bean for every service that
 * uses Kafka: a service gets it by indexing this jar ({@code quarkus.index-dependency.contracts.*}).
 */
@Readiness
@ApplicationScoped
public class KafkaReadinessCheck implements HealthCheck {

    private final KafkaProbe probe;

    public KafkaReadinessCheck(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap) {
        this.probe = new KafkaProbe(bootstrap, 2000);
    }

    @Override
    public HealthCheckResponse call() {
        try {
            return HealthCheckResponse.named("Kafka").up().withData("nodes", probe.nodes()).build();
        } catch (IllegalStateException e) {
            return HealthCheckResponse.named("Kafka").down().withData("reason", e.getMessage()).build();
        }
    }

    @PreDestroy
    void close() {
        probe.close();
    }
}
