package dev.loraforge.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loraforge.kafka.LocalKafka;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.Test;

class TopicProvisionerTest {

    @Test
    void createsMissingTopicsWithTheirPartitionsOnceAndOnlyOnce() throws Exception {
        try (LocalKafka kafka = LocalKafka.startOnFreePorts()) {
            assertThat(TopicProvisioner.ensure(kafka.bootstrapServers(), Topics.ALL, (short) 1, 10_000))
                    .hasSize(Topics.ALL.size());
            assertThat(TopicProvisioner.ensure(kafka.bootstrapServers(), Topics.ALL, (short) 1, 10_000)).isEmpty();

            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                Map<String, TopicDescription> topics = admin.describeTopics(
                        Topics.ALL.stream().map(Topics.TopicSpec::name).toList()).allTopicNames().get();
                for (Topics.TopicSpec spec : Topics.ALL) {
                    assertThat(topics.get(spec.name()).partitions()).as(spec.name()).hasSize(spec.partitions());
                }
            }
        }
    }

    @Test
    void unreachableBrokerIsAClearError() {
        assertThatThrownBy(() -> TopicProvisioner.ensure("127.0.0.1:1", Topics.ALL, (short) 1, 1500))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot create Kafka topics on 127.0.0.1:1");
    }
}
