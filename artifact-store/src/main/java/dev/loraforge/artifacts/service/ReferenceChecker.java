package dev.loraforge.artifacts.service;

import dev.loraforge.contracts.artifactstore.ArtifactKind;
import dev.loraforge.artifacts.repository.ArtifactEntity;
import dev.loraforge.artifacts.repository.ArtifactRepository;
import dev.loraforge.artifacts.repository.WarningEntity;
import dev.loraforge.artifacts.repository.WarningRepository;
import dev.loraforge.artifacts.storage.BlobStorage;
import dev.loraforge.artifacts.storage.Digest;
import dev.loraforge.events.ArtifactRef;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Checks an artifact named by an event (the trainer registers checkpoints and adapters before it
 * announces them) and records a warning row when it is missing or does not match.
 */
@ApplicationScoped
public class ReferenceChecker {

    private static final Logger LOG = Logger.getLogger(ReferenceChecker.class);

    private final ArtifactRepository artifacts;
    private final WarningRepository warnings;
    private final BlobStorage blobs;

    public ReferenceChecker(ArtifactRepository artifacts, WarningRepository warnings, BlobStorage blobs) {
        this.artifacts = artifacts;
        this.warnings = warnings;
        this.blobs = blobs;
    }

    /** What is wrong with the reference, or empty when it names a registered artifact as stated. */
    public Optional<String> problem(ArtifactRef ref, ArtifactKind kind, String jobId) {
        ArtifactEntity a = artifacts.findById(ref.id());
        if (a == null) {
            return Optional.of(kind.wireName() + " " + ref.id() + " is not registered");
        }
        if (!a.kind.equals(kind.wireName())) {
            return Optional.of(ref.id() + " is a " + a.kind + ", not a " + kind.wireName());
        }
        if (!a.digest.equals(ref.digest())) {
            return Optional.of(ref.id() + " is registered with digest " + a.digest + ", the event says " + ref.digest());
        }
        if (!Objects.equals(a.jobId, jobId)) {
            return Optional.of(ref.id() + " belongs to job " + a.jobId + ", the event is about job " + jobId);
        }
        try {
            if (blobs.stat(Digest.parse(a.digest)).isEmpty()) {
                return Optional.of("the blob " + a.digest + " of " + ref.id() + " is missing from storage");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Optional.empty();
    }

    /** Recorded warnings, newest first; {@code jobId} null for all jobs. */
    @jakarta.transaction.Transactional
    public java.util.List<WarningEntity> warnings(String jobId, int limit) {
        return warnings.newest(jobId, limit);
    }

    /** Logs and records a warning (once per event and artifact). Call inside a transaction. */
    public void warn(String topic, String eventId, String jobId, ArtifactRef ref, String problem) {
        LOG.warnf("event %s on %s (job %s): %s", eventId, topic, jobId, problem);
        if (warnings.exists(eventId, ref.id())) {
            return;
        }
        WarningEntity w = new WarningEntity();
        w.topic = topic;
        w.eventId = eventId;
        w.jobId = jobId;
        w.artifactId = ref.id();
        w.digest = ref.digest();
        w.problem = problem;
        w.receivedAt = OffsetDateTime.now(ZoneOffset.UTC);
        warnings.persist(w);
    }
}
