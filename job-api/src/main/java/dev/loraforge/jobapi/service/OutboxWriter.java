package dev.loraforge.jobapi.service;

import dev.loraforge.events.EventCodec;
import dev.loraforge.jobapi.repository.OutboxEntity;
import dev.loraforge.jobapi.repository.OutboxRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/** Adds an event to the outbox in the caller's transaction; the {@link OutboxRelay} publishes it. */
@ApplicationScoped
public class OutboxWriter {

    static final String SOURCE = "/loraforge/job-api";

    private final OutboxRepository outbox;

    public OutboxWriter(OutboxRepository outbox) {
        this.outbox = outbox;
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void add(String topic, String key, Object payload) {
        OutboxEntity record = new OutboxEntity();
        record.topic = topic;
        record.recordKey = key;
        record.payload = EventCodec.encode(EventCodec.envelope(SOURCE, key, payload));
        record.createdAt = OffsetDateTime.now(ZoneOffset.UTC);
        outbox.persist(record);
    }
}
