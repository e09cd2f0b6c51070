package dev.loraforge.artifacts.rest;

import dev.loraforge.artifacts.repository.CheckpointEventEntity;
import dev.loraforge.artifacts.repository.JobOutcomeRecord;
import dev.loraforge.artifacts.service.CheckpointService;
import dev.loraforge.artifacts.service.JobOutcomeService;
import dev.loraforge.artifacts.service.ResourceNotFoundException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

/**
 * What the store heard about a job on Kafka.
 * <ul>
 * <li>{@code GET /api/v1/jobs/{jobId}/outcomes}: the outcome of each attempt (404 when none).</li>
 * <li>{@code GET /api/v1/jobs/{jobId}/checkpoints}: each CheckpointSaved event, with
 *     {@code verified} (the checkpoint is registered for this job with this digest) and
 *     {@code problem} otherwise (404 when none).</li>
 * </ul>
 */
@Path("/api/v1/jobs")
@Produces(MediaType.APPLICATION_JSON)
public class JobOutcomeResource {

    private final JobOutcomeService outcomes;
    private final CheckpointService checkpoints;

    public JobOutcomeResource(JobOutcomeService outcomes, CheckpointService checkpoints) {
        this.outcomes = outcomes;
        this.checkpoints = checkpoints;
    }

    /** One attempt's outcome. */
    public record OutcomeView(String jobId, int attempt, String status, String workerId, String adapterId,
                              String adapterDigest, String engineVersion, String errorCode, String errorMessage,
                              OffsetDateTime receivedAt) {
        static OutcomeView of(JobOutcomeRecord r) {
            return new OutcomeView(r.key.jobId(), r.key.attempt(), r.status, r.workerId, r.adapterId,
                    r.adapterDigest, r.engineVersion, r.errorCode, r.errorMessage, r.receivedAt);
        }
    }

    /** One received checkpoint event. */
    public record CheckpointEventView(String eventId, String jobId, int attempt, String workerId, int step,
                                      String checkpointId, String digest, Map<String, Double> metrics,
                                      boolean verified, String problem, OffsetDateTime receivedAt) {
        static CheckpointEventView of(CheckpointEventEntity e) {
            return new CheckpointEventView(e.eventId, e.jobId, e.attempt, e.workerId, e.step, e.checkpointId,
                    e.digest, e.metrics, e.verified, e.problem, e.receivedAt);
        }
    }

    @GET
    @Path("/{jobId}/outcomes")
    public List<OutcomeView> outcomes(@PathParam("jobId") String jobId) {
        List<OutcomeView> list = outcomes.forJob(jobId).stream().map(OutcomeView::of).toList();
        if (list.isEmpty()) {
            throw new ResourceNotFoundException("no outcome recorded for job " + jobId);
        }
        return list;
    }

    @GET
    @Path("/{jobId}/checkpoints")
    public List<CheckpointEventView> checkpoints(@PathParam("jobId") String jobId) {
        List<CheckpointEventView> list = checkpoints.forJob(jobId).stream().map(CheckpointEventView::of).toList();
        if (list.isEmpty()) {
            throw new ResourceNotFoundException("no checkpoint event received for job " + jobId);
        }
        return list;
    }
}
