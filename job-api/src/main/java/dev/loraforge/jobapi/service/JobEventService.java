package dev.loraforge.jobapi.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loraforge.jobapi.repository.JobEventEntity;
import dev.loraforge.jobapi.repository.JobEventRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.transaction.Transactional;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;

/** Appends events to a job's event list (in the caller's transaction). */
@ApplicationScoped
public class JobEventService {

    private final JobEventRepository events;
    private final ObjectMapper json;
    private final Event<JobEventAdded> added;

    public JobEventService(JobEventRepository events, ObjectMapper json, Event<JobEventAdded> added) {
        this.events = events;
        this.json = json;
        this.added = added;
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public JobEventEntity add(String jobId, String level, String type, String message, Map<String, Object> data) {
        JobEventEntity event = new JobEventEntity();
        event.id = Ids.next("ftevent");
        event.jobId = jobId;
        event.level = level;
        event.type = type;
        event.message = message;
        try {
            event.data = data == null ? null : json.writeValueAsString(data);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        event.createdAt = OffsetDateTime.now(ZoneOffset.UTC);
        events.persist(event);
        added.fire(new JobEventAdded(jobId));
        return event;
    }
}
