package dev.loraforge.kafka;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Quarkus test resource: one real KRaft broker per test JVM on free ports, shared by every test
 * class that names this resource. Sets {@code kafka.bootstrap.servers} for the application.
 * The broker stops when the JVM exits. Under the {@code testcontainers} profile, a Kafka container instead.
 */
public class KafkaBrokerResource implements QuarkusTestResourceLifecycleManager {

    private static LocalKafka broker;

    /** The running broker, started on first use. */
    public static synchronized LocalKafka broker() {
        if (broker == null) {
            broker = LocalKafka.startOnFreePorts();
            LocalKafka started = broker;
            Runtime.getRuntime().addShutdownHook(new Thread(started::close, "local-kafka-stop"));
        }
        return broker;
    }

    @Override
    public Map<String, String> start() {
        if (dev.loraforge.postgres.EmbeddedDatabaseListener.containersWanted()) { // the testcontainers profile: a Kafka container instead
            return Map.of("kafka.bootstrap.servers", dev.loraforge.postgres.Containers.kafka());
        }
        return Map.of("kafka.bootstrap.servers", broker().bootstrapServers());
    }

    @Override
    public void stop() {
        // shared across test classes of this JVM; stopped by the shutdown hook
    }
}
