package dev.loraforge.artifacts.rest;

import dev.loraforge.artifacts.repository.WarningEntity;
import dev.loraforge.artifacts.service.ReferenceChecker;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * {@code GET /api/v1/warnings?job_id=&limit=}: events that named a missing or mismatching artifact
 * (a checkpoint or adapter announced but not registered as stated), newest first.
 */
@Path("/api/v1/warnings")
@Produces(MediaType.APPLICATION_JSON)
public class WarningResource {

    private final ReferenceChecker checker;

    public WarningResource(ReferenceChecker checker) {
        this.checker = checker;
    }

    /** One warning. */
    public record WarningView(long id, String topic, String eventId, String jobId, String artifactId, String digest,
                              String problem, OffsetDateTime receivedAt) {
        static WarningView of(WarningEntity w) {
            return new WarningView(w.id, w.topic, w.eventId, w.jobId, w.artifactId, w.digest, w.problem, w.receivedAt);
        }
    }

    @GET
    public List<WarningView> list(@QueryParam("job_id") String jobId, @QueryParam("limit") String limit) {
        return checker.warnings(TenantScope.blankToNull(jobId), ArtifactResource.limit(limit)).stream()
                .map(WarningView::of).toList();
    }
}
