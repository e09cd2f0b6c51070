package dev.loraforge.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loraforge.kafka.LocalKafka;
import org.junit.jupiter.api.Test;

class KafkaProbeTest {

    @Test
    void answersWithTheNodesWhileTheBrokerRunsAndFailsFastAfter() {
        LocalKafka kafka = LocalKafka.startOnFreePorts();
        try (KafkaProbe probe = new KafkaProbe(kafka.bootstrapServers(), 1500)) {
            assertThat(probe.nodes()).isEqualTo(kafka.bootstrapServers());
            kafka.close();
            long start = System.nanoTime();
            assertThatThrownBy(probe::nodes).hasMessageContaining("no Kafka broker answered within 1500 ms");
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(10_000);
        }
    }
}
