package dev.loraforge.artifacts.service;

import dev.loraforge.contracts.artifactstore.ArtifactKind;
import dev.loraforge.artifacts.repository.JobOutcomeRecord;
import dev.loraforge.artifacts.repository.JobOutcomeRepository;
import dev.loraforge.events.EventEnvelope;
import dev.loraforge.events.JobOutcome;
import dev.loraforge.events.Topics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Records job outcomes; a redelivered event (same job and attempt) changes nothing. The adapter of a
 * succeeded outcome must already be registered (the trainer registers it first): otherwise a
 * warning row is recorded ({@link ReferenceChecker}).
 */
@ApplicationScoped
public class JobOutcomeService {

    private static final Logger LOG = Logger.getLogger(JobOutcomeService.class);

    private final JobOutcomeRepository repository;
    private final ReferenceChecker checker;

    public JobOutcomeService(JobOutcomeRepository repository, ReferenceChecker checker) {
        this.repository = repository;
        this.checker = checker;
    }

    /** @return true when the outcome was new */
    @Transactional
    public boolean record(EventEnvelope<JobOutcome> event) {
        JobOutcome outcome = event.data();
        var key = new JobOutcomeRecord.Key(outcome.jobId(), outcome.attempt());
        if (repository.findById(key) != null) {
            LOG.debugf("outcome of %s attempt %d already recorded", outcome.jobId(), outcome.attempt());
            return false;
        }
        JobOutcomeRecord record = new JobOutcomeRecord();
        record.key = key;
        record.status = outcome.status().name().toLowerCase();
        record.workerId = outcome.workerId();
        if (outcome.adapter() != null) {
            record.adapterId = outcome.adapter().id();
            record.adapterDigest = outcome.adapter().digest();
        }
        record.engineVersion = outcome.engineVersion();
        if (outcome.error() != null) {
            record.errorCode = outcome.error().code();
            record.errorMessage = outcome.error().message();
        }
        record.eventId = event.id();
        record.receivedAt = OffsetDateTime.now(ZoneOffset.UTC);
        repository.persist(record);
        if (outcome.adapter() != null) {
            checker.problem(outcome.adapter(), ArtifactKind.ADAPTER, outcome.jobId()).ifPresent(problem ->
                    checker.warn(Topics.JOB_OUTCOME, event.id(), outcome.jobId(), outcome.adapter(), problem));
        }
        return true;
    }

    @Transactional
    public List<JobOutcomeRecord> forJob(String jobId) {
        return repository.forJob(jobId);
    }
}
