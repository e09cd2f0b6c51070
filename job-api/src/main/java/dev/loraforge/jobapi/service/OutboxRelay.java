package dev.loraforge.jobapi.service;

import dev.loraforge.jobapi.messaging.OutboxPublisher;
import dev.loraforge.jobapi.repository.OutboxEntity;
import dev.loraforge.jobapi.repository.OutboxRepository;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Publishes outbox rows to Kafka in id order and marks them published once the broker has
 * acknowledged them. While Kafka is down a row stays unpublished (its attempts and last error are
 * recorded) and is retried on the next run: nothing accepted is lost. A row may be published more
 * than once if the process dies between the ack and the commit; consumers are idempotent.
 */
@ApplicationScoped
public class OutboxRelay {

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
    private static final int BATCH = 100;

    private final OutboxRepository outbox;
    private final OutboxPublisher publisher;

    public OutboxRelay(OutboxRepository outbox, OutboxPublisher publisher) {
        this.outbox = outbox;
        this.publisher = publisher;
    }

    @Scheduled(every = "${jobapi.outbox-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            delayed = "1s")
    void run() {
        ticks.run(() -> {
            while (relayBatch() == BATCH) {
                // a full batch: there may be more waiting
            }
        });
    }

    private final dev.loraforge.events.platform.DatabaseOutage.Ticks ticks =
            new dev.loraforge.events.platform.DatabaseOutage.Ticks("the outbox relay");

    /** @return the number of rows published */
    @Transactional
    int relayBatch() {
        List<OutboxEntity> rows = outbox.lockUnpublished(BATCH);
        int published = 0;
        for (OutboxEntity row : rows) {
            try {
                publisher.publish(row.topic, row.recordKey, row.payload, row.traceparent);
            } catch (RuntimeException e) {
                row.attempts++;
                row.lastError = e.getMessage();
                LOG.warnf("outbox row %d to %s not published yet (attempt %d): %s", row.id, row.topic, row.attempts,
                        e.getMessage());
                break; // keep order: later rows wait for this one
            }
            row.publishedAt = OffsetDateTime.now(ZoneOffset.UTC);
            published++;
        }
        return published;
    }
}
