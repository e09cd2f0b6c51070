package dev.loraforge.trainer.rest;

import dev.loraforge.trainer.repository.AttemptRepository;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.OffsetDateTime;
import java.util.List;

/** Operators' view of the attempts this worker pool has taken. */
@Path("/api/v1/attempts")
@Produces(MediaType.APPLICATION_JSON)
public class AttemptResource {

    private final AttemptRepository attempts;

    public AttemptResource(AttemptRepository attempts) {
        this.attempts = attempts;
    }

    /** One attempt. */
    public record AttemptView(String jobId, int attempt, String workerId, String state, Integer step,
                              Integer totalSteps, OffsetDateTime recordedAt, OffsetDateTime claimedAt,
                              OffsetDateTime heartbeatAt, OffsetDateTime finishedAt, String checkpointId,
                              Integer checkpointStep, String errorCode, String errorMessage) {
    }

    @GET
    @Path("/{jobId}")
    public List<AttemptView> forJob(@PathParam("jobId") String jobId) {
        List<AttemptView> views = attempts.forJob(jobId).stream()
                .map(a -> new AttemptView(a.key.jobId(), a.key.attempt(), a.workerId, a.state, a.step, a.totalSteps,
                        a.recordedAt, a.claimedAt, a.heartbeatAt, a.finishedAt, a.checkpointId, a.checkpointStep,
                        a.errorCode, a.errorMessage))
                .toList();
        if (views.isEmpty()) {
            throw new NotFoundException("no attempt of job " + jobId + " was taken by this pool");
        }
        return views;
    }
}
