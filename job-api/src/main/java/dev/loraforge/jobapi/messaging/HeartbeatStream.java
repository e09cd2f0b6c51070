package dev.loraforge.jobapi.messaging;

import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaConsumer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * How far job-api has read the trainers' progress and heartbeats ({@value Channels#JOB_PROGRESS}): the evidence the
 * lease check needs before it calls an attempt silent. A heartbeat still waiting in Kafka (job-api was down, or
 * behind) is not silence.
 */
@ApplicationScoped
public class HeartbeatStream {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final KafkaClientService kafka;

    public HeartbeatStream(KafkaClientService kafka) {
        this.kafka = kafka;
    }

    /** The end offsets, now, of the progress partitions this instance reads; null when it has none (yet). */
    public Map<TopicPartition, Long> endsNow() {
        KafkaConsumer<Object, Object> consumer = consumer();
        if (consumer == null) {
            return null;
        }
        Function<Consumer<Object, Object>, Map<TopicPartition, Long>> ends = c -> {
            Set<TopicPartition> assigned = c.assignment();
            return assigned.isEmpty() ? null : c.endOffsets(assigned, TIMEOUT);
        };
        return consumer.runOnPollingThread(ends).await().atMost(TIMEOUT.plusSeconds(5));
    }

    /** Whether every record before {@code ends} has been processed (its offset committed after its update). */
    public boolean processedUpTo(Map<TopicPartition, Long> ends) {
        KafkaConsumer<Object, Object> consumer = consumer();
        if (consumer == null) {
            return false;
        }
        Function<Consumer<Object, Object>, Map<TopicPartition, OffsetAndMetadata>> read =
                c -> c.committed(ends.keySet(), TIMEOUT);
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.runOnPollingThread(read).await()
                .atMost(TIMEOUT.plusSeconds(5));
        for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            OffsetAndMetadata done = committed.get(end.getKey());
            if ((done == null ? 0 : done.offset()) < end.getValue()) {
                return false;
            }
        }
        return true;
    }

    private KafkaConsumer<Object, Object> consumer() {
        try {
            return kafka.getConsumer(Channels.JOB_PROGRESS);
        } catch (RuntimeException e) {
            return null; // the channel is not started yet
        }
    }
}
