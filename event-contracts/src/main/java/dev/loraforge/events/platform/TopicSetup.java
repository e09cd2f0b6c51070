package dev.loraforge.events.platform;

import dev.loraforge.events.TopicProvisioner;
import dev.loraforge.events.Topics;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Creates the platform's topics at start (before the consumers subscribe) when they are missing and
 * {@code loraforge.kafka.create-topics} is true: the services' dev and test profiles, whose broker nobody provisions.
 * Deployments create the topics before the services start ({@link TopicProvisioner#main}) and leave it off, the
 * default. One bean for every service that uses Kafka (see {@link KafkaReadinessCheck}).
 */
@ApplicationScoped
public class TopicSetup {

    private static final Logger LOG = Logger.getLogger(TopicSetup.class);

    void onStart(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event,
                 @ConfigProperty(name = "loraforge.kafka.create-topics", defaultValue = "false") boolean createTopics,
                 @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap) {
        if (!createTopics) {
            return;
        }
        try {
            var created = TopicProvisioner.ensure(bootstrap, Topics.ALL, (short) 1, 10_000);
            if (!created.isEmpty()) {
                LOG.infof("created Kafka topics %s", created);
            }
        } catch (IllegalStateException e) {
            LOG.warnf("%s; readiness stays DOWN until Kafka is reachable", e.getMessage());
        }
    }
}
