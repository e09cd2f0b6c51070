package dev.loraforge.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class LocalKafkaTest {

    @Test
    void brokerAcceptsTopicsAndDeliversRecordsInOrder() throws Exception {
        try (LocalKafka kafka = LocalKafka.startOnFreePorts();
             Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic("t1", 2, (short) 1))).all().get();
            assertThat(topicsSeen(admin, "t1")).contains("t1");

            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                    "bootstrap.servers", kafka.bootstrapServers(), "acks", "all"),
                    new StringSerializer(), new StringSerializer())) {
                for (int i = 0; i < 5; i++) {
                    producer.send(new ProducerRecord<>("t1", "job-1", "m" + i)).get();
                }
            }
            List<String> seen = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                    "bootstrap.servers", kafka.bootstrapServers(), "group.id", "g1",
                    "auto.offset.reset", "earliest"), new StringDeserializer(), new StringDeserializer())) {
                consumer.subscribe(Set.of("t1"));
                long deadline = System.currentTimeMillis() + 30_000;
                while (seen.size() < 5 && System.currentTimeMillis() < deadline) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                        seen.add(r.value());
                    }
                }
            }
            assertThat(seen).containsExactly("m0", "m1", "m2", "m3", "m4");
        }
    }

    @Test
    void restartOnTheSameDirectoryKeepsTopics() throws Exception {
        LocalKafka first = LocalKafka.startOnFreePorts();
        var dir = first.dataDir();
        int port = first.port();
        int controller = first.controllerPort();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", first.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic("kept", 1, (short) 1))).all().get();
        }
        first.close();

        try (LocalKafka second = LocalKafka.start(dir, "127.0.0.1", port, controller);
             Admin admin = Admin.create(Map.of("bootstrap.servers", second.bootstrapServers()))) {
            assertThat(topicsSeen(admin, "kept")).contains("kept");
        }
    }

    /**
     * The topics the broker lists once it lists {@code name}, or after 10 s. createTopics completes
     * when the controller has the topic; the broker that answers listTopics learns it from the
     * metadata log a moment later (the cause of this test's rare failures before it waited).
     */
    private static Set<String> topicsSeen(Admin admin, String name) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        Set<String> names = admin.listTopics().names().get();
        while (!names.contains(name) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            names = admin.listTopics().names().get();
        }
        return names;
    }
}
