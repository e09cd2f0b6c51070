package dev.loraforge.jobapi.service;

import dev.loraforge.events.EventCodec;
import dev.loraforge.events.platform.TraceContext;
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

    /** Adds an event published under the current trace (if one is current). */
    @Transactional(Transactional.TxType.MANDATORY)
    public void add(String topic, String key, Object payload) {
        add(topic, key, payload, TraceContext.current());
    }

    /** Adds an event published as part of the trace {@code traceparent} names (null: none). */
    @Transactional(Transactional.TxType.MANDATORY)
    public void add(String topic, String key, Object payload, String traceparent) {
        OutboxEntity record = new OutboxEntity();
        record.traceparent = traceparent;
        record.topic = topic;
        record.recordKey = key;
        record.payload = EventCodec.encode(EventCodec.envelope(SOURCE, key, payload));
        record.createdAt = OffsetDateTime.now(ZoneOffset.UTC);
        outbox.persist(record);
    }
}
