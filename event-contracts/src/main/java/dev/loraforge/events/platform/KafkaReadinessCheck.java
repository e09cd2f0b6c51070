package dev.loraforge.events.platform;

import dev.loraforge.events.KafkaProbe;
import dev.loraforge.events.Topics;
import java.util.List;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness DOWN within a few seconds when no Kafka broker answers, or while the platform's topics do not exist (a
 * deployment creates them before the services start: {@code bin/platform}, the Helm chart's topics job, compose's
 * {@code topics} service, all running {@link dev.loraforge.events.TopicProvisioner}). One bean for every service that
 * uses Kafka: a service gets it by indexing this jar ({@code quarkus.index-dependency.contracts.*}).
 */
@Readiness
@ApplicationScoped
public class KafkaReadinessCheck implements HealthCheck {

    private final KafkaProbe probe;
    private volatile boolean topicsSeen;

    public KafkaReadinessCheck(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap) {
        this.probe = new KafkaProbe(bootstrap, 2000);
    }

    @Override
    public HealthCheckResponse call() {
        try {
            String nodes = probe.nodes();
            if (!topicsSeen) {
                List<String> missing = probe.missingTopics(Topics.ALL.stream().map(Topics.TopicSpec::name).toList());
                if (!missing.isEmpty()) {
                    return HealthCheckResponse.named("Kafka").down().withData("nodes", nodes)
                            .withData("reason", "topics missing: " + missing + "; create them with the deployment's"
                                    + " topics step (bin/platform, the Helm chart's topics job, compose's topics service:"
                                    + " dev.loraforge.events.TopicProvisioner) or set loraforge.kafka.create-topics=true")
                            .build();
                }
                topicsSeen = true; // once there, topics are not looked for again (a deleted topic is an operator's act)
            }
            return HealthCheckResponse.named("Kafka").up().withData("nodes", nodes).build();
        } catch (IllegalStateException e) {
            return HealthCheckResponse.named("Kafka").down().withData("reason", e.getMessage()).build();
        }
    }

    @PreDestroy
    void close() {
        probe.close();
    }
}
