package dev.loraforge.artifacts.service;

import dev.loraforge.contracts.artifactstore.ArtifactKind;
import dev.loraforge.artifacts.repository.CheckpointEventEntity;
import dev.loraforge.artifacts.repository.CheckpointEventRepository;
import dev.loraforge.events.CheckpointSaved;
import dev.loraforge.events.EventEnvelope;
import dev.loraforge.events.Topics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * Records each CheckpointSaved event once (by event id) with the result of checking that the
 * checkpoint it names is registered for that job with that digest; a failed check also leaves a
 * warning row ({@link ReferenceChecker}).
 */
@ApplicationScoped
public class CheckpointService {

    private final CheckpointEventRepository events;
    private final ReferenceChecker checker;

    public CheckpointService(CheckpointEventRepository events, ReferenceChecker checker) {
        this.events = events;
        this.checker = checker;
    }

    /** @return true when the event was new */
    @Transactional
    public boolean record(EventEnvelope<CheckpointSaved> event) {
        if (events.findById(event.id()) != null) {
            return false;
        }
        CheckpointSaved c = event.data();
        var problem = checker.problem(c.checkpoint(), ArtifactKind.CHECKPOINT, c.jobId());
        CheckpointEventEntity e = new CheckpointEventEntity();
        e.eventId = event.id();
        e.jobId = c.jobId();
        e.attempt = c.attempt();
        e.workerId = c.workerId();
        e.step = c.step();
        e.checkpointId = c.checkpoint().id();
        e.digest = c.checkpoint().digest();
        e.metrics = new LinkedHashMap<>(c.metrics());
        e.verified = problem.isEmpty();
        e.problem = problem.orElse(null);
        e.receivedAt = OffsetDateTime.now(ZoneOffset.UTC);
        events.persist(e);
        problem.ifPresent(p -> checker.warn(Topics.CHECKPOINTS, event.id(), c.jobId(), c.checkpoint(), p));
        return true;
    }

    @Transactional
    public List<CheckpointEventEntity> forJob(String jobId) {
        return events.forJob(jobId);
    }
}
