package dev.loraforge.jobapi.messaging;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Whether job-api hears the trainers' heartbeats ({@value Channels#JOB_PROGRESS}), and since when: the progress
 * consumer's partition assignment, as Kafka's group rebalances hand it over. A job-api that has just (re)started
 * gets its partitions only once the group has rebalanced, which can take up to the consumer session timeout when
 * the previous instance was killed; until then it hears nothing, and a silence then is no evidence against an
 * attempt (see {@code LeaseMonitor}). Each new assignment restarts the clock: its partitions' backlog is read first.
 */
@ApplicationScoped
@Identifier(HeartbeatListening.NAME)
public class HeartbeatListening implements KafkaConsumerRebalanceListener {

    /** The listener's name in {@code mp.messaging.incoming.job-progress.consumer-rebalance-listener.name}. */
    public static final String NAME = "job-progress-listening";

    private static final Logger LOG = Logger.getLogger(HeartbeatListening.class);

    private final Set<TopicPartition> assigned = ConcurrentHashMap.newKeySet();
    private volatile OffsetDateTime since;

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        if (!partitions.isEmpty()) {
            assigned.addAll(partitions);
            since = OffsetDateTime.now(ZoneOffset.UTC);
            LOG.infof("reading heartbeats from %s", assigned);
        }
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        assigned.removeAll(partitions);
    }

    @Override
    public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        assigned.removeAll(partitions);
    }

    /** Since when heartbeats have been read without a change of partitions; empty while none is assigned. */
    public Optional<OffsetDateTime> listeningSince() {
        return assigned.isEmpty() ? Optional.empty() : Optional.ofNullable(since);
    }
}
